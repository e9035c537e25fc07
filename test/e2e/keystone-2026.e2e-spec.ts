// SPDX-License-Identifier: Apache-2.0
// Freezer 2026 against one real Keystone (Debian's python3-keystone, started once for the file):
//  - POLICY_DEFAULTS=rbac (with FREEZER_SCOPE=project, as it is meant) with real role assignments,
//    Keystone's implied roles included: a reader, a member and an admin of project alpha, a service
//    user and a member of project beta, over every kind of document;
//  - catalog discovery: the service registered as the README's recipe does (name `freezer`, type
//    `backup`, the API's root URL as public endpoint; an internal endpoint ending in
//    /v2/$(project_id)s beside it, so that one catalog holds both forms), found in a real token's
//    catalog; the real freezer 13 CLI (python3-freezerclient 5) finding the API there; and the URL
//    building of python-freezerclient 2026 (not installable here, replayed on Debian's
//    keystoneauth1 by test/utils/newest-freezerclient-urls.py) with both catalog URLs.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildActionDoc } from '../factories/action.factory.js';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { buildJobDoc } from '../factories/job.factory.js';
import { buildSessionDoc } from '../factories/session.factory.js';
import { BOOT_TIMEOUT_MS, expectSuccess, findFreezerCli, listTable, runFreezer, startApiService } from '../utils/freezer-cli.js';
import { KEYSTONE_START_TIMEOUT_MS, type KeystoneServer, type KeystoneUser, keystoneAuthEnv, PASSWORD, startKeystone } from '../utils/keystone-server.js';
import type { ServiceProcess } from '../utils/service-process.js';
import { createScratchDatabase } from '../utils/test-database.js';

type Json = Record<string, unknown>;
type Caller = 'reader' | 'member' | 'admin' | 'service' | 'otherMember';
type Access = 'read' | 'write' | 'backupWrite';

const FORBIDDEN = { title: 'Access Forbidden', description: 'You are not allowed to access this resource' };
const TOOL_TIMEOUT_MS = 60_000;
const WARM_UP_MS = 60_000;
const randomId = () => `${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;

// Who may do what under freezer 2026's defaults, in project alpha.
const ALLOWED: Record<Caller, Access[]> = {
  reader: ['read'],
  member: ['read', 'write', 'backupWrite'],
  admin: ['read', 'write', 'backupWrite'],
  service: ['read', 'backupWrite'],
  otherMember: [],
};

interface Operation {
  name: string;
  access: Access;
  method: string;
  path: (fixture: Record<string, string>) => string;
  body?: () => unknown;
  status: number;
}

const op = (name: string, access: Access, method: string, path: Operation['path'], status: number, body?: () => unknown): Operation => ({
  name,
  access,
  method,
  path,
  status,
  body,
});

const OPERATIONS: Operation[] = [
  op('list backups', 'read', 'GET', () => '/backups', 200),
  op('get a backup', 'read', 'GET', (f) => `/backups/${f.backup}`, 200),
  op('record a backup', 'backupWrite', 'POST', () => '/backups', 201, () => buildBackupDoc()),
  op('patch a backup', 'backupWrite', 'PATCH', (f) => `/backups/${f.backup}`, 200, () => ({ backup_metadata: { checked: randomId() } })),
  op('delete a backup', 'backupWrite', 'DELETE', () => `/backups/${randomId()}`, 204),
  op('list clients', 'read', 'GET', () => '/clients', 200),
  op('get a client', 'read', 'GET', (f) => `/clients/${f.client}`, 200),
  op('register a client', 'write', 'POST', () => '/clients', 201, () => buildClientDoc()),
  op('delete a client', 'write', 'DELETE', () => `/clients/${randomId()}`, 204),
  op('list actions', 'read', 'GET', () => '/actions', 200),
  op('get an action', 'read', 'GET', (f) => `/actions/${f.action}`, 200),
  op('create an action', 'write', 'POST', () => '/actions', 201, () => buildActionDoc()),
  op('patch an action', 'write', 'PATCH', (f) => `/actions/${f.action}`, 200, () => ({ max_retries: Math.floor(Math.random() * 1000) })),
  op('delete an action', 'write', 'DELETE', () => `/actions/${randomId()}`, 204),
  op('list jobs', 'read', 'GET', () => '/jobs', 200),
  op('get a job', 'read', 'GET', (f) => `/jobs/${f.job}`, 200),
  op('create a job', 'write', 'POST', () => '/jobs', 201, () => buildJobDoc()),
  op('patch a job', 'write', 'PATCH', (f) => `/jobs/${f.job}`, 200, () => ({ description: randomId() })),
  op('send a job event', 'write', 'POST', (f) => `/jobs/${f.job}/event`, 202, () => ({ stop: null })),
  op('delete a job', 'write', 'DELETE', () => `/jobs/${randomId()}`, 204),
  op('list sessions', 'read', 'GET', () => '/sessions', 200),
  op('get a session', 'read', 'GET', (f) => `/sessions/${f.session}`, 200),
  op('create a session', 'write', 'POST', () => '/sessions', 201, () => buildSessionDoc()),
  op('patch a session', 'write', 'PATCH', (f) => `/sessions/${f.session}`, 200, () => ({ description: randomId() })),
  op('delete a session', 'write', 'DELETE', () => `/sessions/${randomId()}`, 204),
];

function runTool(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { env, timeout: TOOL_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}\n${stdout}`));
      else resolveRun(stdout);
    });
  });
}

describe('Freezer 2026 with a real Keystone', () => {
  let keystone: KeystoneServer;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let api: { service: ServiceProcess; url: string } | undefined;
  let workDir: string;
  const tokens = {} as Record<Caller, string>;
  const users = {} as Record<Caller, KeystoneUser>;
  let alpha = '';
  let apiUrl = '';

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'freezer-keystone-2026-'));
    // Keystone's cache on: many tokens are validated and none is revoked here
    keystone = await startKeystone({ cache: true, users: [{ name: 'carol', project: 'alpha', role: 'reader' }] });
    process.stdout.write(`keystone set-up: ${keystone.startMs} ms\n`);
    scratch = await createScratchDatabase('keystone_rbac');
    api = await startApiService({ DATABASE_URL: scratch.url, ...keystoneAuthEnv(keystone), POLICY_DEFAULTS: 'rbac', FREEZER_SCOPE: 'project' });
    apiUrl = api.url;
    // as the README's recipe, with an internal endpoint ending in /v2/$(project_id)s beside it
    await keystone.registerService('freezer', 'backup', apiUrl, `${apiUrl}/v2/$(project_id)s`);
    Object.assign(users, { reader: keystone.users.carol, member: keystone.alice, admin: keystone.admin, service: keystone.service, otherMember: keystone.bob });
    for (const caller of Object.keys(users) as Caller[]) tokens[caller] = await keystone.token(users[caller]);
    alpha = keystone.alice.projectId;
    // Each token validated once (then cached by the service). A Keystone slow to answer on a busy
    // machine (over the service's 5 s) makes that 503: wait for the answer, a bounded time.
    for (const caller of Object.keys(users) as Caller[]) {
      const deadline = Date.now() + WARM_UP_MS;
      while ((await call(caller, 'GET', `/v2/${users[caller].projectId}/jobs`)).status === 503 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }, KEYSTONE_START_TIMEOUT_MS + BOOT_TIMEOUT_MS + WARM_UP_MS + 30_000);

  afterAll(async () => {
    await api?.service.stop(5_000);
    await scratch?.drop();
    await keystone?.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function call(caller: Caller, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${api!.url}${path}`, {
      method,
      headers: { accept: 'application/json', 'x-auth-token': tokens[caller], ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
  }

  async function created(caller: Caller, project: string, kind: string, body: unknown, idKey: string): Promise<string> {
    const res = await call(caller, 'POST', `/v2/${project}/${kind}`, body);
    expect(res.status).toBe(201);
    return res.body[idKey] as string;
  }

  describe('POLICY_DEFAULTS=rbac with real Keystone roles (FREEZER_SCOPE=project)', () => {
    const fixture: Record<string, string> = {};
    let betaJob = '';

    beforeAll(async () => {
      fixture.backup = await created('member', alpha, 'backups', buildBackupDoc(), 'backup_id');
      const client = buildClientDoc();
      fixture.client = await created('member', alpha, 'clients', client, 'client_id');
      fixture.action = await created('member', alpha, 'actions', buildActionDoc(), 'action_id');
      fixture.job = await created('member', alpha, 'jobs', buildJobDoc(), 'job_id');
      fixture.session = await created('member', alpha, 'sessions', buildSessionDoc(), 'session_id');
      betaJob = await created('otherMember', keystone.bob.projectId, 'jobs', buildJobDoc(), 'job_id');
    });

    it.each(['reader', 'member', 'admin', 'service', 'otherMember'] as Caller[])('%s in project alpha: exactly the operations its roles allow', async (caller) => {
      const got: string[] = [];
      const want: string[] = [];
      for (const operation of OPERATIONS) {
        const res = await call(caller, operation.method, `/v2/${alpha}${operation.path(fixture)}`, operation.body?.());
        const allowed = ALLOWED[caller].includes(operation.access);
        got.push(`${operation.name}: ${res.status}${res.status === 403 ? ` ${JSON.stringify(res.body)}` : ''}`);
        want.push(`${operation.name}: ${allowed ? operation.status : `403 ${JSON.stringify(FORBIDDEN)}`}`);
      }
      expect(got).toEqual(want);
    });

    it('lets a member work in its own project only, and a reader read there only', async () => {
      const beta = keystone.bob.projectId;
      expect((await call('member', 'GET', `/v2/${beta}/jobs`)).status).toBe(403);
      expect((await call('reader', 'GET', `/v2/${beta}/jobs/${betaJob}`)).status).toBe(403);
      expect((await call('otherMember', 'GET', `/v2/${beta}/jobs/${betaJob}`)).status).toBe(200);
    });

    it('shows every project\'s jobs with all_projects=true to admin and service only (jobs:get_all_projects)', async () => {
      const listed = async (caller: Caller, query: string) =>
        ((await call(caller, 'GET', `/v2/${alpha}/jobs?limit=1000${query}`)).body.jobs as Json[]).map((job) => job.job_id);
      for (const caller of ['admin', 'service'] as Caller[]) {
        expect(await listed(caller, '&all_projects=true')).toEqual(expect.arrayContaining([fixture.job, betaJob]));
        expect(await listed(caller, '&all_projects=False')).not.toContain(betaJob);
        expect((await call(caller, 'GET', `/v2/${alpha}/jobs/${betaJob}?all_projects=True`)).status).toBe(200);
      }
      for (const caller of ['member', 'reader'] as Caller[]) {
        expect(await listed(caller, '&all_projects=true')).toEqual(await listed(caller, ''));
        expect(await listed(caller, '&all_projects=true')).not.toContain(betaJob);
        expect((await call(caller, 'GET', `/v2/${alpha}/jobs/${betaJob}?all_projects=true`)).status).toBe(404);
      }
    });

    it('lets only an admin register a central client (clients:create plus clients:create_central)', async () => {
      const central = () => buildClientDoc({ is_central: true });
      expect(await call('member', 'POST', `/v2/${alpha}/clients`, central())).toEqual({ status: 403, body: FORBIDDEN });
      // a service user alone passes create_central but not clients:create (member or admin)
      expect(await call('service', 'POST', `/v2/${alpha}/clients`, central())).toEqual({ status: 403, body: FORBIDDEN });
      expect((await call('admin', 'POST', `/v2/${alpha}/clients`, central())).status).toBe(201);
    });
  });

  describe('catalog discovery (service name freezer, type backup)', () => {
    const envOf = (user: KeystoneUser, extra: Record<string, string> = {}): Record<string, string> => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workDir,
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      OS_AUTH_URL: keystone.url,
      OS_USERNAME: user.name,
      OS_PASSWORD: PASSWORD,
      OS_PROJECT_NAME: user.project,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      ...extra,
    });

    beforeAll(async () => {
      await created('member', alpha, 'jobs', buildJobDoc(), 'job_id');
    });

    function newestClient(endpointInterface: 'public' | 'internal'): Promise<{ endpoint: string; answers: Array<{ url: string; status: number; body: Json }> }> {
      const script = resolve(import.meta.dirname, '../utils/newest-freezerclient-urls.py');
      return runTool('/usr/bin/python3', [script], envOf(keystone.alice, { OS_INTERFACE: endpointInterface })).then((out) => JSON.parse(out));
    }

    it('serves the old dashboard (by name) and the new one (by type) from one catalog entry', async () => {
      const res = await fetch(`${keystone.url}/auth/catalog`, { headers: { 'x-auth-token': await keystone.token(keystone.alice) } });
      const { catalog } = (await res.json()) as { catalog: Json[] };
      // freezer 13's dashboard looks for the name, freezer_ui 2026's for the type
      expect(catalog.filter((entry) => entry.name === 'freezer')).toEqual(catalog.filter((entry) => entry.type === 'backup'));
      expect(catalog.find((entry) => entry.type === 'backup')).toMatchObject({
        name: 'freezer',
        endpoints: expect.arrayContaining([
          expect.objectContaining({ interface: 'public', region: 'RegionOne', url: apiUrl }),
          // Keystone fills in the token's project
          expect.objectContaining({ interface: 'internal', region: 'RegionOne', url: `${apiUrl}/v2/${alpha}` }),
        ]),
      });
    });

    it('with the recipe\'s root URL: the freezer 13 CLI and the 2026 client library both find the API', async () => {
      const args = ['job-list'];
      // no --os-backup-url: the CLI looks up service type backup (public) in the token's catalog
      const rows = listTable(expectSuccess(args, await runFreezer(findFreezerCli(), args, envOf(keystone.alice))).stdout);
      expect(rows.length).toBeGreaterThan(0);
      const newest = await newestClient('public');
      expect(newest.endpoint).toBe(apiUrl);
      const base = `${apiUrl}/v2/${alpha}`;
      expect(newest.answers.map(({ url, status }) => ({ url, status }))).toEqual([
        { url: `${base}/jobs/?limit=10&offset=0&all_projects=False`, status: 200 },
        { url: `${base}/clients/?limit=10&offset=0`, status: 200 },
        { url: `${base}/backups/?limit=10&offset=0`, status: 200 },
      ]);
      expect((newest.answers[0].body.jobs as Json[]).length).toBe(Math.min(rows.length, 10));
    });

    it('with a catalog URL ending in /v2/$(project_id)s: the 2026 client library uses it as it is', async () => {
      const newest = await newestClient('internal');
      expect(newest.endpoint).toBe(`${apiUrl}/v2/${alpha}`);
      expect(newest.answers.map(({ url, status }) => ({ url, status }))).toEqual([
        { url: `${apiUrl}/v2/${alpha}/jobs/?limit=10&offset=0&all_projects=False`, status: 200 },
        { url: `${apiUrl}/v2/${alpha}/clients/?limit=10&offset=0`, status: 200 },
        { url: `${apiUrl}/v2/${alpha}/backups/?limit=10&offset=0`, status: 200 },
      ]);
      // freezer 13's CLI adds /v2/<project> to any catalog URL: it needs the recipe's root URL
      const old = await runFreezer(findFreezerCli(), ['job-list'], envOf(keystone.alice, { OS_ENDPOINT_TYPE: 'internal' }));
      expect(old.code).not.toBe(0);
    });
  });
});
