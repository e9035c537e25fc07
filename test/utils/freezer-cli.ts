// SPDX-License-Identifier: Apache-2.0
// Helpers for the suites that drive the real OpenStack Freezer programs (Debian packages): the
// `freezer` CLI (python3-freezerclient) and freezer-scheduler / freezer-agent (freezer-scheduler,
// python3-freezer). They authenticate with Keystone v3 (keystoneauth1), so they run against the
// stand-in of keystone-stand-in.ts, whose `<user>:<project>` tokens the service in noauth mode
// reads as that identity (spec D15, §3.5).
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { expect } from '@jest/globals';
import { freePort, type ServiceProcess, startService } from './service-process.js';
import { testDatabaseUrl } from './test-database.js';

export const CLI_TIMEOUT_MS = 30_000;
export const BOOT_TIMEOUT_MS = 30_000;

// The absolute path of an executable on PATH. Never skipped: a machine without it fails the suite
// with the way to fix it.
export function findExecutable(name: string, debianPackage: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `\`${name}\` is not on PATH. This suite drives the real program: install it with ` +
      `\`apt-get install -y --no-install-recommends ${debianPackage}\` (Debian) and run the tests again.`,
  );
}

export function findFreezerCli(): string {
  return findExecutable('freezer', 'python3-freezerclient');
}

// The compiled service as operators start it, in noauth mode on the test database; resolves with
// its URL once it listens.
export async function startApiService(env: Record<string, string> = {}): Promise<{ service: ServiceProcess; url: string }> {
  const service = startService({
    DATABASE_URL: testDatabaseUrl(),
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    AUTH_MODE: 'noauth',
    DB_POOL_SIZE: '4',
    ...env,
  });
  try {
    return { service, url: await service.listening(BOOT_TIMEOUT_MS) };
  } catch (error) {
    await service.stop(5_000);
    throw error;
  }
}

export interface OpenStackUser {
  userId: string;
  projectId: string;
}

// The environment of an OpenStack program run as `user`: only what it needs (no OS_* setting of
// the operator leaks in). HOME is where keystoneauth/stevedore keep their entry-point cache and
// freezer-agent its log.
export function openStackEnv(user: OpenStackUser, authUrl: string, home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    OS_AUTH_URL: authUrl,
    OS_USERNAME: user.userId,
    OS_PASSWORD: 'secret',
    OS_PROJECT_NAME: user.projectId,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Runs `freezer <args>` (killed after CLI_TIMEOUT_MS). `backupUrl` becomes --os-backup-url;
// without it the CLI finds the service in the Keystone catalog (service type backup).
export function runFreezer(cli: string, args: string[], env: Record<string, string>, backupUrl?: string): Promise<CliResult> {
  const argv = backupUrl === undefined ? args : ['--os-backup-url', backupUrl, ...args];
  return new Promise((resolve) => {
    execFile(cli, argv, { env, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr: error?.killed ? `${stderr}\n[killed after ${CLI_TIMEOUT_MS} ms]` : stderr });
    });
  });
}

// Throws with everything the CLI printed unless it exited 0.
export function expectSuccess(args: string[], result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`freezer ${args.join(' ')} exited with ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

// The rows of a cliff table (`+---+` borders, `| a | b |` rows), header row first.
export function tableRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
}

// A list table (client-list, job-list, ...) as objects keyed by column title; the CLI prints a
// single row of empty cells for an empty list, which is dropped here.
export function listTable(stdout: string): Record<string, string>[] {
  const [header, ...rows] = tableRows(stdout);
  expect(header).toBeDefined();
  return rows
    .filter((row) => row.some((cell) => cell !== ''))
    .map((row) => Object.fromEntries(header.map((title, i) => [title, row[i]])));
}

// A show table (client-show, job-show, ...): Field -> Value, a multi-line value joined with spaces.
export function showTable(stdout: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let last = '';
  for (const [field, value] of tableRows(stdout).slice(1)) {
    if (field !== '') last = field;
    fields[last] = fields[last] === undefined ? value : `${fields[last]} ${value}`;
  }
  return fields;
}
