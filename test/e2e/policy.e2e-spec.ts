// SPDX-License-Identifier: Apache-2.0
// POLICY_FILE (D16) on the compiled service in noauth mode, where X-Roles and X-Project-Id give the
// caller's roles and project: a restricted rule, rule: references, target references, not, and
// files that refuse to boot.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BOOT_TIMEOUT_MS, startApiService } from '../utils/freezer-cli.js';
import { freePort, type ServiceProcess, startService } from '../utils/service-process.js';
import { testDatabaseUrl } from '../utils/test-database.js';

// fresh identities per run: the database may be reused between runs
const RUN = Math.random().toString(36).slice(2, 8);
const FORBIDDEN = { title: 'Access Forbidden', description: 'You are not allowed to access this resource' };

describe('POLICY_FILE', () => {
  let dir: string;
  let api: { service: ServiceProcess; url: string } | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'freezer-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        '# only admins delete jobs',
        '"jobs:delete": "role:admin"',
        '"project_owner": "project_id:%(project_id)s"',
        '"jobs:get_all": "rule:project_owner"',
        '"clients:create": "not role:reader"',
        '"backups:get_all": "rule:context_is_admin"',
        '',
      ].join('\n'),
    );
    api = await startApiService({ POLICY_FILE: file });
  }, BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await api?.service.stop(5_000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function call(method: string, path: string, identity: { user: string; project: string; roles: string }, body?: unknown): Promise<Response> {
    return fetch(`${api!.url}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        'x-user-id': identity.user,
        'x-project-id': identity.project,
        'x-roles': identity.roles,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  const member = { user: `policy-member-${RUN}`, project: `policy-p1-${RUN}`, roles: 'member' };
  const admin = { user: `policy-admin-${RUN}`, project: `policy-p1-${RUN}`, roles: 'member,Admin' };

  it('a rule restricted to role:admin denies a member with 403 and allows an admin', async () => {
    const denied = await call('DELETE', `/v2/policy-p1-${RUN}/jobs/some-job`, member);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual(FORBIDDEN);
    expect((await call('DELETE', `/v2/policy-p1-${RUN}/jobs/some-job`, admin)).status).toBe(204);
  });

  it('leaves the rules the file does not name open to any caller', async () => {
    expect((await call('GET', `/v2/policy-p1-${RUN}/actions`, member)).status).toBe(200);
  });

  it('follows rule: references to the file own rules and to project_id:%(project_id)s', async () => {
    expect((await call('GET', `/v2/policy-p1-${RUN}/jobs`, member)).status).toBe(200);
    // an admin of another project passes the project check (D5) but not this rule
    const otherAdmin = { user: `policy-admin-${RUN}`, project: `policy-p9-${RUN}`, roles: 'admin' };
    const denied = await call('GET', `/v2/policy-p1-${RUN}/jobs`, otherAdmin);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual(FORBIDDEN);
    // v1 has no path project: the target project is the caller's own
    expect((await call('GET', '/v1/jobs', member)).status).toBe(200);
  });

  it('follows rule: references to freezer base rules (context_is_admin)', async () => {
    expect((await call('GET', `/v2/policy-p1-${RUN}/backups`, member)).status).toBe(403);
    expect((await call('GET', `/v2/policy-p1-${RUN}/backups`, admin)).status).toBe(200);
  });

  it('applies not', async () => {
    const reader = { user: `policy-reader-${RUN}`, project: `policy-p1-${RUN}`, roles: 'reader' };
    expect((await call('POST', `/v2/policy-p1-${RUN}/clients`, reader, { client_id: 'policy-node' })).status).toBe(403);
    expect((await call('POST', `/v2/policy-p1-${RUN}/clients`, member, { client_id: 'policy-node' })).status).toBe(201);
  });

  it.each([
    ['a syntax error', '{"jobs:delete": "role:admin or"}', /POLICY_FILE .*rule "jobs:delete"/],
    ['a reference to an undefined rule', '{"jobs:get": "rule:nobody"}', /rule "jobs:get" refers to rule "nobody"/],
    ['an unknown rule name', '{"jobs:remove": "role:admin"}', /rule "jobs:remove" is not one of freezer's rules/],
    ['a file that is not a map', '["role:admin"]', /POLICY_FILE .* must map rule names to rules/],
  ])('refuses to boot with %s, naming it', async (_what, content, message) => {
    const file = join(dir, `broken-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, content);
    const service = startService({
      DATABASE_URL: testDatabaseUrl(),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      AUTH_MODE: 'noauth',
      DB_POOL_SIZE: '2',
      POLICY_FILE: file,
    });
    const code = await service.exited(BOOT_TIMEOUT_MS);
    expect(code).toBe(1);
    expect(service.messages()).toMatch(message);
  });
});
