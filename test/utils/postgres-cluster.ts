// SPDX-License-Identifier: Apache-2.0
// A PostgreSQL cluster of the test's own (Debian's postgresql-common tools, run as root), on a free
// loopback port with trust authentication, so a test can stop and restart the server without
// touching the one other suites share. Its files are under /var/lib/postgresql/<version>/<name>
// and its log at /var/log/postgresql/postgresql-<version>-<name>.log.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { processAlive } from '../../src/common/lifecycle/process-alive.js';
import { freePort } from './service-process.js';

const run = promisify(execFile);
const TOOL_TIMEOUT_MS = 60_000;

export interface PostgresCluster {
  name: string;
  port: number;
  // postgres://postgres@127.0.0.1:<port>/<database>
  url(database: string): string;
  createDatabase(database: string): Promise<string>;
  // pg_ctlcluster start | stop (fast: open sessions are terminated) | restart; each waits until done
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  // the server's log so far
  log(): string;
  // stops the cluster and removes its files; safe to call twice
  drop(): Promise<void>;
}

// The newest installed server version (/usr/lib/postgresql/<version>).
function serverVersion(): string {
  let versions: string[];
  try {
    versions = readdirSync('/usr/lib/postgresql').filter((entry) => /^\d+$/.test(entry));
  } catch {
    versions = [];
  }
  if (versions.length === 0) {
    throw new Error('No PostgreSQL server is installed under /usr/lib/postgresql: `apt-get install -y postgresql` (Debian)');
  }
  return versions.sort((a, b) => Number(b) - Number(a))[0];
}

// pg_ctlcluster would hand over to systemctl where systemd runs; these clusters are not its units.
async function ctl(version: string, name: string, action: 'start' | 'stop' | 'restart'): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action], { timeout: TOOL_TIMEOUT_MS });
}

async function clusterNames(version: string): Promise<string[]> {
  const { stdout } = await run('pg_lsclusters', ['--no-header'], { timeout: TOOL_TIMEOUT_MS });
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[0] === version && fields[1] !== undefined)
    .map((fields) => fields[1]);
}

// Clusters named <prefix>_<pid> whose test process is gone (a run that was killed) are dropped,
// and so is one of this very name; those of test processes still running are left alone.
async function dropStale(version: string, prefix: string, name: string): Promise<void> {
  for (const existing of await clusterNames(version)) {
    const pid = new RegExp(`^${prefix}_(\\d+)$`).exec(existing)?.[1];
    if (existing === name || (pid !== undefined && !processAlive(Number(pid)))) {
      await run('pg_dropcluster', [version, existing, '--stop'], { timeout: TOOL_TIMEOUT_MS });
    }
  }
}

export async function createPostgresCluster(prefix: string): Promise<PostgresCluster> {
  if (process.getuid?.() !== 0) throw new Error('createPostgresCluster runs pg_createcluster, which needs root');
  const version = serverVersion();
  const name = `${prefix}_${process.pid}`;
  await dropStale(version, prefix, name);
  const port = await freePort();
  await run(
    'pg_createcluster',
    [version, name, '-p', String(port), '--', '--auth=trust'],
    { timeout: TOOL_TIMEOUT_MS },
  );
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let dropped = false;
  const cluster: PostgresCluster = {
    name,
    port,
    url,
    async createDatabase(database) {
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${database}`);
      } finally {
        await admin.end();
      }
      return url(database);
    },
    start: () => ctl(version, name, 'start'),
    stop: () => ctl(version, name, 'stop'),
    restart: () => ctl(version, name, 'restart'),
    log() {
      try {
        return readFileSync(`/var/log/postgresql/postgresql-${version}-${name}.log`, 'utf8');
      } catch {
        return '';
      }
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await run('pg_dropcluster', [version, name, '--stop'], { timeout: TOOL_TIMEOUT_MS });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    await cluster.drop();
    throw error;
  }
  return cluster;
}
