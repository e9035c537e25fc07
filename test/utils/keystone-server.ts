// SPDX-License-Identifier: Apache-2.0
// A real Keystone (Debian's python3-keystone, Keystone 22) for the e2e tests: SQLite and fernet keys
// in a temporary directory, bootstrapped with keystone-manage, served by keystone-serve.py on a
// loopback port. Creates the service user and the test projects and users with the admin token.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findExecutable } from './freezer-cli.js';
import { freePort } from './service-process.js';

// Debian's interpreter: the one python3-keystone is installed for (a pyenv python3 on PATH is not).
const PYTHON = '/usr/bin/python3';
const SERVE = resolve(import.meta.dirname, 'keystone-serve.py');
const STEP_TIMEOUT_MS = 60_000;
export const KEYSTONE_START_TIMEOUT_MS = 120_000;
export const PASSWORD = 'secret-Pa55';

// More users for a test file: `name` with `role` (reader, member, admin) in project alpha or beta.
export interface ExtraUser {
  name: string;
  project: 'alpha' | 'beta';
  role: 'reader' | 'member' | 'admin';
}

export interface KeystoneUser {
  name: string;
  id: string;
  project: string;
  projectId: string;
}

export interface KeystoneServer {
  // the v3 endpoint, http://127.0.0.1:<port>/v3
  url: string;
  service: KeystoneUser;
  alice: KeystoneUser;
  bob: KeystoneUser;
  admin: KeystoneUser;
  // the users of KeystoneOptions.users, by name
  users: Record<string, KeystoneUser>;
  // a project-scoped token of `user` (password auth), as a client would get one
  token(user: KeystoneUser): Promise<string>;
  // a catalog entry (service and its public and internal endpoints in RegionOne; the internal one
  // at `url` too unless `internalUrl` is given)
  registerService(name: string, type: string, url: string, internalUrl?: string): Promise<void>;
  revoke(token: string): Promise<void>;
  // stops the server (the data stays until cleanup)
  stop(): Promise<void>;
  cleanup(): Promise<void>;
  // how long start-up took, for the CI cost note
  startMs: number;
}

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { cwd, timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}\n${stdout}`));
      else resolveRun();
    });
  });
}

async function untilAnswers(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`keystone exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`keystone did not answer at ${url} within ${timeoutMs} ms:\n${output()}`);
}

// The settings of the service in AUTH_MODE=keystone against `keystone`, as its own user `freezer`.
export function keystoneAuthEnv(keystone: KeystoneServer): Record<string, string> {
  return {
    AUTH_MODE: 'keystone',
    KEYSTONE_URL: keystone.url,
    KEYSTONE_USERNAME: keystone.service.name,
    KEYSTONE_PASSWORD: PASSWORD,
    KEYSTONE_PROJECT_NAME: keystone.service.project,
  };
}

export interface KeystoneOptions {
  // Keystone's in-memory cache. Off by default, so that a revocation shows at once; on, a token
  // validation costs a few queries instead of several hundred (seconds on a busy machine), for
  // tests whose clients validate many tokens and never revoke one.
  cache?: boolean;
  // the loopback port to serve on (default: any free one), for clients configured before it starts
  port?: number;
  // more users, beside service, alice, bob and admin
  users?: ExtraUser[];
}

// Keystone's SQLite database in write-ahead-log mode: in the default rollback-journal mode a reader
// left open by one request blocks the commit of another, and Keystone answers such writes (catalog
// entries, roles) with 500 "database is locked" until it restarts.
function walMode(database: string, cwd: string): Promise<void> {
  return run(PYTHON, ['-c', 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL").fetchall()', database], cwd);
}

export async function startKeystone(options: KeystoneOptions = {}): Promise<KeystoneServer> {
  const started = Date.now();
  const manage = findExecutable('keystone-manage', 'python3-keystone');
  const dir = mkdtempSync(join(tmpdir(), 'keystone-'));
  const conf = join(dir, 'keystone.conf');
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}/v3`;
  writeFileSync(
    conf,
    [
      '[DEFAULT]',
      `log_file = ${join(dir, 'keystone.log')}`,
      'use_stderr = false',
      '[database]',
      `connection = sqlite:///${join(dir, 'keystone.db')}`,
      '[fernet_tokens]',
      `key_repository = ${join(dir, 'fernet')}`,
      '[credential]',
      `key_repository = ${join(dir, 'credential')}`,
      '[identity]',
      // bcrypt's minimum cost: every token issued checks a password, and the default (12) costs
      // a quarter of a second each
      'password_hash_rounds = 4',
      '[cache]',
      ...(options.cache ? ['enabled = true', 'backend = dogpile.cache.memory'] : ['enabled = false']),
      '',
    ].join('\n'),
  );
  const owner = ['--keystone-user', process.getuid?.() === 0 ? 'root' : String(process.env.USER), '--keystone-group', process.getuid?.() === 0 ? 'root' : String(process.env.USER)];
  const k = (...args: string[]) => run(manage, ['--config-file', conf, ...args], dir);
  // independent of each other; bootstrap needs all three
  await Promise.all([k('db_sync'), k('fernet_setup', ...owner), k('credential_setup', ...owner)]);
  await walMode(join(dir, 'keystone.db'), dir);
  const adminPassword = 'admin-Pa55';
  await k('bootstrap', '--bootstrap-password', adminPassword, '--bootstrap-admin-url', url, '--bootstrap-public-url', url,
    '--bootstrap-internal-url', url, '--bootstrap-region-id', 'RegionOne');

  let text = '';
  const child = spawn(PYTHON, [SERVE, conf, String(port)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  try {
    await untilAnswers(url, child, () => text, 60_000);
    const api = async (method: string, path: string, token: string | null, body?: unknown): Promise<Response> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response;
    };
    const issue = async (name: string, password: string, project: string): Promise<string> => {
      const response = await api('POST', '/auth/tokens?nocatalog', null, {
        auth: {
          identity: { methods: ['password'], password: { user: { name, password, domain: { name: 'Default' } } } },
          scope: { project: { name: project, domain: { name: 'Default' } } },
        },
      });
      return response.headers.get('x-subject-token') as string;
    };
    const adminToken = await issue('admin', adminPassword, 'admin');
    const idOf = async (path: string, key: string, name: string): Promise<string> => {
      const body = (await (await api('GET', `${path}?name=${name}`, adminToken)).json()) as Record<string, { id: string }[]>;
      return body[key][0].id;
    };
    const create = async (path: string, key: string, doc: Record<string, unknown>): Promise<string> =>
      ((await (await api('POST', path, adminToken, { [key]: doc })).json()) as Record<string, { id: string }>)[key].id;
    // keystone's policy lets a `service` role validate others' tokens (identity:validate_token)
    const serviceRole = await create('/roles', 'role', { name: 'service' });
    const memberRole = await idOf('/roles', 'roles', 'member');
    const grant = (projectId: string, userId: string, roleId: string) => api('PUT', `/projects/${projectId}/users/${userId}/roles/${roleId}`, adminToken);
    const project = (name: string) => create('/projects', 'project', { name, domain_id: 'default' });
    // one at a time: SQLite serialises writers
    const serviceProject = await project('service');
    const alpha = await project('alpha');
    const beta = await project('beta');
    const user = async (name: string, projectName: string, projectId: string, roleId: string): Promise<KeystoneUser> => {
      const id = await create('/users', 'user', { name, password: PASSWORD, domain_id: 'default', default_project_id: projectId });
      await grant(projectId, id, roleId);
      return { name, id, project: projectName, projectId };
    };
    const service = await user('freezer', 'service', serviceProject, serviceRole);
    const alice = await user('alice', 'alpha', alpha, memberRole);
    const bob = await user('bob', 'beta', beta, memberRole);
    const admin = { name: 'admin', id: await idOf('/users', 'users', 'admin'), project: 'admin', projectId: await idOf('/projects', 'projects', 'admin') };
    const users: Record<string, KeystoneUser> = {};
    for (const extra of options.users ?? []) {
      // bootstrap made admin, member and reader (admin implies member, member implies reader)
      users[extra.name] = await user(extra.name, extra.project, extra.project === 'alpha' ? alpha : beta, await idOf('/roles', 'roles', extra.role));
    }
    return {
      url,
      service,
      alice,
      bob,
      admin,
      users,
      token: (u) => issue(u.name, u.name === 'admin' ? adminPassword : PASSWORD, u.project),
      registerService: async (name, type, serviceUrl, internalUrl = serviceUrl) => {
        const serviceId = await create('/services', 'service', { name, type, enabled: true });
        for (const [iface, endpointUrl] of [['public', serviceUrl], ['internal', internalUrl]]) {
          await create('/endpoints', 'endpoint', { service_id: serviceId, interface: iface, url: endpointUrl, region_id: 'RegionOne', enabled: true });
        }
      },
      revoke: async (token) => {
        const response = await fetch(`${url}/auth/tokens`, {
          method: 'DELETE',
          headers: { 'x-auth-token': adminToken, 'x-subject-token': token },
          signal: AbortSignal.timeout(15_000),
        });
        if (response.status !== 204) throw new Error(`revoking a token: ${response.status} ${await response.text()}`);
      },
      stop,
      cleanup: async () => {
        await stop();
        rmSync(dir, { recursive: true, force: true });
      },
      startMs: Date.now() - started,
    };
  } catch (error) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
