// SPDX-License-Identifier: Apache-2.0
// AUTH_MODE=keystone against a real Keystone (Debian's python3-keystone, test/utils/keystone-server.ts)
// and the compiled service: real tokens, valid, revoked, for another project, missing; Keystone
// stopped mid-run; the real `freezer` CLI with Keystone password auth (spec D5, D15, D19).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectSuccess, findFreezerCli, listTable, runFreezer, startApiService } from '../utils/freezer-cli.js';
import { KEYSTONE_START_TIMEOUT_MS, type KeystoneServer, keystoneAuthEnv, PASSWORD, startKeystone } from '../utils/keystone-server.js';
import type { ServiceProcess } from '../utils/service-process.js';

const CACHE_TTL_S = 2;
// a bound on waiting for the cache to let go of a revoked token, not a timing expectation
const REVOCATION_WAIT_MS = 30_000;

describe('AUTH_MODE=keystone against a real Keystone', () => {
  let keystone: KeystoneServer;
  let api: { service: ServiceProcess; url: string } | undefined;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'freezer-keystone-'));
    keystone = await startKeystone();
    // the set-up cost this suite adds to CI, for the operators' notes
    process.stdout.write(`keystone set-up: ${keystone.startMs} ms\n`);
    api = await startApiService({ ...keystoneAuthEnv(keystone), KEYSTONE_CACHE_TTL: String(CACHE_TTL_S) });
  }, KEYSTONE_START_TIMEOUT_MS + 40_000);

  afterAll(async () => {
    await api?.service.stop(5_000);
    await keystone?.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  function call(path: string, init: { method?: string; token?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Response> {
    return fetch(`${api!.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.token !== undefined ? { 'x-auth-token': init.token } : {}),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  }

  async function expectUnauthorized(response: Response): Promise<void> {
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Keystone uri="${keystone.url}"`);
    const body = (await response.json()) as { title: string; description: string };
    expect(body.title).toBe('Unauthorized');
    expect(body.description).toEqual(expect.any(String));
  }

  it('answers a request without a token with 401 and WWW-Authenticate: Keystone uri=...', async () => {
    await expectUnauthorized(await call(`/v2/${keystone.alice.projectId}/jobs`));
  });

  it('answers a token Keystone does not know with 401', async () => {
    await expectUnauthorized(await call(`/v2/${keystone.alice.projectId}/jobs`, { token: 'gAAAAAnot-a-real-fernet-token' }));
  });

  it('serves a valid token as its user and project, ignoring identity headers sent by the caller', async () => {
    const token = await keystone.token(keystone.alice);
    const project = keystone.alice.projectId;
    const created = await call(`/v2/${project}/clients`, {
      method: 'POST',
      token,
      headers: { 'x-user-id': 'mallory', 'x-project-id': keystone.bob.projectId, 'x-roles': 'admin' },
      body: { client_id: 'alice-node', hostname: 'alice.example.com' },
    });
    expect(created.status).toBe(201);
    const listed = await call(`/v2/${project}/clients`, { token, headers: { 'x-user-id': 'mallory' } });
    expect(listed.status).toBe(200);
    const { clients } = (await listed.json()) as { clients: { user_id: string; project_id: string; client: { client_id: string } }[] };
    expect(clients.map((c) => [c.client.client_id, c.user_id, c.project_id])).toEqual([['alice-node', keystone.alice.id, project]]);
  });

  it('refuses a token for another project than the path project (403), but not an admin token', async () => {
    const aliceToken = await keystone.token(keystone.alice);
    const forbidden = await call(`/v2/${keystone.bob.projectId}/jobs`, { token: aliceToken });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ title: 'Access Forbidden', description: 'You are not allowed to access this resource' });
    const adminToken = await keystone.token(keystone.admin);
    expect((await call(`/v2/${keystone.bob.projectId}/jobs`, { token: adminToken })).status).toBe(200);
  });

  it('answers 401 for a revoked token once its cache time (KEYSTONE_CACHE_TTL) has passed', async () => {
    const token = await keystone.token(keystone.bob);
    const path = `/v2/${keystone.bob.projectId}/jobs`;
    expect((await call(path, { token })).status).toBe(200);
    await keystone.revoke(token);
    // Poll: the cached validation may still pass for up to CACHE_TTL_S; after that, Keystone's answer.
    const deadline = Date.now() + REVOCATION_WAIT_MS;
    let response = await call(path, { token });
    while (response.status === 200 && Date.now() < deadline) {
      await response.body?.cancel();
      await new Promise((r) => setTimeout(r, 250));
      response = await call(path, { token });
    }
    await expectUnauthorized(response);
  });

  it('works with the real freezer CLI using Keystone password auth', async () => {
    const cli = findFreezerCli();
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workDir,
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      OS_AUTH_URL: keystone.url,
      OS_USERNAME: keystone.alice.name,
      OS_PASSWORD: PASSWORD,
      OS_PROJECT_NAME: keystone.alice.project,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    };
    const args = ['client-list'];
    const rows = listTable(expectSuccess(args, await runFreezer(cli, args, env, api!.url)).stdout);
    expect(rows.map((row) => row['Client ID'])).toContain('alice-node');
  });

  // Last: it stops Keystone. A second service with the default cache time, so the cached token
  // cannot age out while the test runs.
  it('keeps serving cached tokens while Keystone is down, and answers 503 for a token not cached', async () => {
    const second = await startApiService(keystoneAuthEnv(keystone));
    try {
      const cachedToken = await keystone.token(keystone.alice);
      const newToken = await keystone.token(keystone.bob);
      const get = (project: string, token: string) =>
        fetch(`${second.url}/v2/${project}/jobs`, { headers: { accept: 'application/json', 'x-auth-token': token } });
      expect((await get(keystone.alice.projectId, cachedToken)).status).toBe(200);
      await keystone.stop();
      expect((await get(keystone.alice.projectId, cachedToken)).status).toBe(200);
      const uncached = await get(keystone.bob.projectId, newToken);
      expect(uncached.status).toBe(503);
      expect(((await uncached.json()) as { title: string }).title).toBe('Service Unavailable');
    } finally {
      await second.service.stop(5_000);
    }
  });
});
