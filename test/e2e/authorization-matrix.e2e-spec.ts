// SPDX-License-Identifier: Apache-2.0
// Who sees, changes and deletes what (D4, D5), for every kind and every route of v1 and v2, in both
// scopes: A1 owns the documents; A2 is another user of A1's project PA, B1 a user of project PB,
// AD an admin of PA. A foreign document must answer exactly as a missing one does.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { validateEnv } from '../../src/config/env.validation.js';
import { prepareDatabase } from '../../src/database/prepare-database.js';
import {
  type Answer,
  BUILD,
  type Call,
  COLLECTION_PROBES,
  create,
  ID_KEY,
  KINDS,
  listIds,
  type Mine,
  mineIn,
  missingId,
  PATCH,
  type Probe,
  PROBES,
  send,
  V1_NOT_SERVED,
  type Kind,
} from '../utils/authorization-probes.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, newIdentity } from '../utils/keystone-headers.js';
import { createScratchDatabase } from '../utils/test-database.js';

// The same request about an id nobody holds answers the same status and body, bar the id itself.
async function expectSameAsMissing(app: NestExpressApplication, who: Identity, probe: Probe, base: string, kind: Kind, id: string, mine: Mine, got: Answer) {
  const absent = missingId();
  const missing = await send(app, who, probe.call(base, kind, absent, mine));
  const text = JSON.stringify(missing.body).replaceAll(absent, id);
  expect({ probe: probe.name, status: got.status, body: got.body }).toEqual({ probe: probe.name, status: missing.status, body: JSON.parse(text) });
}

// The four identities, fresh for each app.
function identities() {
  const a1 = newIdentity();
  return {
    a1,
    a2: newIdentity({ projectId: a1.projectId }),
    ad: newIdentity({ projectId: a1.projectId, roles: ['admin'] }),
    b1: newIdentity(),
  };
}

type Viewpoint = { name: string; who: keyof ReturnType<typeof identities>; at: 'PA' | 'PB' | 'v1'; expect: 'hidden' | 'forbidden' | 'seen' };

// ?all_projects= on the jobs list and get (jobs:get_all_projects, by default role admin or service):
// A1's job seen from another project and by another user of A1's project. `app` is read when the
// tests run (the describe's beforeAll sets it).
function allProjectsCases(appOf: () => NestExpressApplication): void {
  describe('?all_projects= on jobs', () => {
    const ids = identities();
    const service = newIdentity({ roles: ['service'] });
    const jobsOf = async (who: Identity, base: string, query: string): Promise<Answer> =>
      send(appOf(), who, { method: 'get', path: `${base}/jobs?limit=10000${query}` });
    let jobA1 = '';
    let jobB1 = '';

    beforeAll(async () => {
      jobA1 = await create(appOf(), ids.a1, `/v2/${ids.a1.projectId}`, 'jobs');
      jobB1 = await create(appOf(), ids.b1, `/v2/${ids.b1.projectId}`, 'jobs');
    });

    it.each([
      ['AD (admin)', 'true', 'ad'],
      ['AD (admin)', 'True', 'ad'],
      ['AD (admin)', '1', 'ad'],
      ['a service user of another project', 'true', 'service'],
    ] as const)('%s with all_projects=%s lists and gets every project\'s jobs', async (_name, value, who) => {
      const caller = who === 'service' ? service : ids[who];
      const base = `/v2/${caller.projectId}`;
      const listed = await jobsOf(caller, base, `&all_projects=${value}`);
      expect(listed.status).toBe(200);
      expect(listIds(listed, 'jobs')).toEqual(expect.arrayContaining([jobA1, jobB1]));
      for (const [jobId, owner] of [[jobA1, ids.a1], [jobB1, ids.b1]] as const) {
        const got = await send(appOf(), caller, { method: 'get', path: `${base}/jobs/${jobId}?all_projects=${value}` });
        expect(got).toMatchObject({ status: 200, body: { job_id: jobId, user_id: owner.userId, project_id: owner.projectId } });
      }
      // the poll of a central scheduler: a search still applies across projects
      const searched = await send(appOf(), caller, { method: 'get', path: `${base}/jobs?all_projects=${value}`, body: { match: [{ job_id: jobB1 }] } });
      expect(listIds(searched, 'jobs')).toEqual([jobB1]);
    });

    it.each([
      ['A2 (member of the same project)', 'true', 'a2'],
      ['B1 (member of another project)', 'True', 'b1'],
      ['AD (admin) without asking', 'False', 'ad'],
      ['AD (admin) without the parameter', '', 'ad'],
    ] as const)('%s with all_projects=%s sees only what it sees without it', async (_name, value, who) => {
      const caller = ids[who];
      const base = `/v2/${caller.projectId}`;
      const query = value === '' ? '' : `&all_projects=${value}`;
      const foreign = who === 'b1' ? jobA1 : jobB1;
      const [wide, plain] = [await jobsOf(caller, base, query), await jobsOf(caller, base, '')];
      expect(wide.status).toBe(200);
      expect(listIds(wide, 'jobs')).toEqual(listIds(plain, 'jobs'));
      expect(listIds(wide, 'jobs')).not.toContain(foreign);
      const got = await send(appOf(), caller, { method: 'get', path: `${base}/jobs/${foreign}${query.replace('&', '?')}` });
      expect(got.status).toBe(404);
    });

    it('answers 400 for a value that is not a boolean, privileged or not', async () => {
      for (const caller of [ids.a1, ids.ad]) {
        const base = `/v2/${caller.projectId}`;
        for (const path of [`${base}/jobs?all_projects=maybe`, `${base}/jobs/${jobA1}?all_projects=yes%20please`]) {
          const got = await send(appOf(), caller, { method: 'get', path });
          expect({ path, status: got.status, body: got.body }).toEqual({ path, status: 400, body: expectedErrors.invalidParameter('all_projects') });
        }
      }
    });
  });
}

describe('authorization matrix', () => {
  describe('FREEZER_SCOPE=user (the suite database)', () => {
    let app: NestExpressApplication;
    const ids = identities();
    const baseOf = (at: Viewpoint['at']) => (at === 'v1' ? '/v1' : `/v2/${at === 'PA' ? ids.a1.projectId : ids.b1.projectId}`);

    beforeAll(async () => {
      app = await createTestApp();
    });
    afterAll(async () => {
      await app?.close();
    });

    allProjectsCases(() => app);

    // D4: other users see nothing (v2 delete 204, v1 delete 404); D5: another project is 403
    // unless admin, and an admin sees no more than anyone.
    const viewpoints: Viewpoint[] = [
      { name: 'A2 (same project)', who: 'a2', at: 'PA', expect: 'hidden' },
      { name: 'AD (admin, same project)', who: 'ad', at: 'PA', expect: 'hidden' },
      { name: 'B1 (other project) in the owner\'s project', who: 'b1', at: 'PA', expect: 'forbidden' },
      { name: 'B1 in its own project', who: 'b1', at: 'PB', expect: 'hidden' },
      { name: 'AD (admin) in another project', who: 'ad', at: 'PB', expect: 'hidden' },
      { name: 'A2 through v1', who: 'a2', at: 'v1', expect: 'hidden' },
      { name: 'AD (admin) through v1', who: 'ad', at: 'v1', expect: 'hidden' },
      { name: 'B1 through v1', who: 'b1', at: 'v1', expect: 'hidden' },
    ];
    const cases = viewpoints.flatMap((viewpoint) => (['v2', 'v1'] as const).flatMap((api) => KINDS.map((kind) => ({ viewpoint, api, kind }))));

    it.each(cases.map((c) => [`${c.viewpoint.name}: ${c.api} ${c.kind} of A1`, c] as const))('%s', async (_name, { viewpoint, api, kind }) => {
      // A1's document, created through the API under test; the viewpoint looks at it from `at`.
      const ownerBase = api === 'v1' ? '/v1' : `/v2/${ids.a1.projectId}`;
      const id = await create(app, ids.a1, ownerBase, kind);
      const before = await send(app, ids.a1, { method: 'get', path: `${ownerBase}/${kind}/${id}` });
      expect(before.status).toBe(200);
      const who = ids[viewpoint.who];
      const base = viewpoint.at === 'v1' ? (api === 'v1' ? '/v1' : null) : api === 'v2' ? baseOf(viewpoint.at) : null;
      if (base === null) {
        // v2 documents looked at through v1, and the reverse: still invisible to another user
        const v1 = await send(app, who, { method: 'get', path: `${viewpoint.at === 'v1' ? '/v1' : baseOf(viewpoint.at)}/${kind}/${id}` });
        expect(v1.status).toBe(viewpoint.expect === 'forbidden' ? 403 : 404);
        return;
      }
      if (viewpoint.expect === 'forbidden') {
        for (const probe of PROBES.filter((p) => p.kinds.includes(kind))) {
          const got = await send(app, who, probe.call(base, kind, id, { job: missingId(), session: missingId() }));
          expect({ probe: probe.name, status: got.status, body: got.body }).toEqual({ probe: probe.name, status: 403, body: expectedErrors.forbidden() });
        }
        for (const call of COLLECTION_PROBES.map((p) => p.call(base, kind, '', { job: '', session: '' }))) {
          const got = await send(app, who, call);
          expect({ status: got.status, body: got.body }).toEqual({ status: 403, body: expectedErrors.forbidden() });
        }
      } else {
        const mine = await mineIn(app, who, base);
        const list = await send(app, who, { method: 'get', path: `${base}/${kind}?limit=10000` });
        expect(list.status).toBe(200);
        expect(listIds(list, kind)).not.toContain(id);
        for (const probe of PROBES.filter((p) => p.kinds.includes(kind) && !p.name.startsWith('replace'))) {
          const got = await send(app, who, probe.call(base, kind, id, mine));
          expect({ probe: probe.name, status: got.status }).toEqual({
            probe: probe.name,
            status: probe.name === 'delete' && api === 'v2' ? 204 : 404,
          });
          await expectSameAsMissing(app, who, probe, base, kind, id, mine, got);
        }
        // A replace with A1's id creates the caller's own document (D4, D8).
        for (const probe of PROBES.filter((p) => p.kinds.includes(kind) && p.name.startsWith('replace'))) {
          const got = await send(app, who, probe.call(base, kind, id, mine));
          expect({ probe: probe.name, status: got.status }).toEqual({ probe: probe.name, status: 201 });
          const own = await send(app, who, { method: 'get', path: `${base}/${kind}/${id}` });
          expect(own).toMatchObject({ status: 200, body: { [ID_KEY[kind]]: id, user_id: who.userId } });
        }
      }
      // A1's document is exactly as it was: same body, same version.
      const after = await send(app, ids.a1, { method: 'get', path: `${ownerBase}/${kind}/${id}` });
      expect(after).toEqual(before);
    });

    it.each(KINDS)('lists of other identities never include A1\'s %s', async (kind) => {
      const v2 = await create(app, ids.a1, `/v2/${ids.a1.projectId}`, kind);
      const v1 = await create(app, ids.a1, '/v1', kind);
      for (const [who, base] of [
        [ids.a2, `/v2/${ids.a1.projectId}`],
        [ids.ad, `/v2/${ids.a1.projectId}`],
        [ids.ad, `/v2/${ids.b1.projectId}`],
        [ids.b1, `/v2/${ids.b1.projectId}`],
        [ids.a2, '/v1'],
        [ids.ad, '/v1'],
        [ids.b1, '/v1'],
      ] as const) {
        const all = await send(app, who, { method: 'get', path: `${base}/${kind}?limit=10000` });
        const searched = await send(app, who, { method: 'get', path: `${base}/${kind}`, body: { match: [{ [ID_KEY[kind]]: v2 }, { _all: v1 }] } });
        expect([all.status, searched.status]).toEqual([200, 200]);
        expect([...listIds(all, kind), ...listIds(searched, kind)]).not.toEqual(expect.arrayContaining([v2]));
        expect([...listIds(all, kind), ...listIds(searched, kind)]).not.toEqual(expect.arrayContaining([v1]));
      }
      const own = await send(app, ids.a1, { method: 'get', path: `/v1/${kind}?limit=10000` });
      expect(listIds(own, kind)).toEqual(expect.arrayContaining([v1, v2]));
    });
  });

  describe('FREEZER_SCOPE=project (a scratch database)', () => {
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
    let app: NestExpressApplication;
    const ids = identities();

    beforeAll(async () => {
      scratch = await createScratchDatabase('authz_matrix');
      const env = { DATABASE_URL: scratch.url, FREEZER_SCOPE: 'project', LOG_LEVEL: 'error' };
      await prepareDatabase(validateEnv(env), scratch.url, new Logger('AuthorizationMatrix'));
      app = await createTestApp(env);
    });
    afterAll(async () => {
      await app?.close();
      await scratch?.drop();
    });

    allProjectsCases(() => app);

    // Members of one project share its documents, admins included; other projects see nothing.
    const viewpoints: Viewpoint[] = [
      { name: 'A2 (same project)', who: 'a2', at: 'PA', expect: 'seen' },
      { name: 'AD (admin, same project)', who: 'ad', at: 'PA', expect: 'seen' },
      { name: 'B1 (other project) in the owner\'s project', who: 'b1', at: 'PA', expect: 'forbidden' },
      { name: 'B1 in its own project', who: 'b1', at: 'PB', expect: 'hidden' },
      { name: 'AD (admin) in another project', who: 'ad', at: 'PB', expect: 'hidden' },
    ];
    const cases = viewpoints.flatMap((viewpoint) => KINDS.map((kind) => ({ viewpoint, kind })));

    it.each(cases.map((c) => [`${c.viewpoint.name}: ${c.kind} of A1`, c] as const))('%s', async (_name, { viewpoint, kind }) => {
      const ownerBase = `/v2/${ids.a1.projectId}`;
      const id = await create(app, ids.a1, ownerBase, kind);
      const before = await send(app, ids.a1, { method: 'get', path: `${ownerBase}/${kind}/${id}` });
      const who = ids[viewpoint.who];
      const base = `/v2/${viewpoint.at === 'PA' ? ids.a1.projectId : ids.b1.projectId}`;
      const probes = PROBES.filter((p) => p.kinds.includes(kind));
      if (viewpoint.expect === 'forbidden') {
        for (const probe of probes) {
          const got = await send(app, who, probe.call(base, kind, id, { job: missingId(), session: missingId() }));
          expect({ probe: probe.name, status: got.status, body: got.body }).toEqual({ probe: probe.name, status: 403, body: expectedErrors.forbidden() });
        }
      } else if (viewpoint.expect === 'hidden') {
        const mine = await mineIn(app, who, base);
        const list = await send(app, who, { method: 'get', path: `${base}/${kind}?limit=10000` });
        expect(listIds(list, kind)).not.toContain(id);
        for (const probe of probes.filter((p) => !p.name.startsWith('replace'))) {
          const got = await send(app, who, probe.call(base, kind, id, mine));
          expect({ probe: probe.name, status: got.status }).toEqual({ probe: probe.name, status: probe.name === 'delete' ? 204 : 404 });
          await expectSameAsMissing(app, who, probe, base, kind, id, mine, got);
        }
      } else {
        // Another member reads, lists, changes and finally deletes A1's document.
        const mine = await mineIn(app, who, base);
        const list = await send(app, who, { method: 'get', path: `${base}/${kind}?limit=10000` });
        expect(listIds(list, kind)).toContain(id);
        for (const probe of probes) {
          const got = await send(app, who, probe.call(base, kind, id, mine));
          expect({ probe: probe.name, status: got.status }).toEqual({ probe: probe.name, status: probe.seen });
          if (probe.name === 'get') expect(got.body).toEqual(before.body);
          if (probe.name === 'patch') {
            const changed = await send(app, ids.a1, { method: 'get', path: `${ownerBase}/${kind}/${id}` });
            expect(changed.body).toMatchObject(PATCH[kind]!);
          }
        }
        const gone = await send(app, ids.a1, { method: 'get', path: `${ownerBase}/${kind}/${id}` });
        expect(gone.status).toBe(404);
        return;
      }
      const after = await send(app, ids.a1, { method: 'get', path: `${ownerBase}/${kind}/${id}` });
      expect(after).toEqual(before);
    });

    it.each(KINDS)('answers every v1 route of %s with 404, for every identity', async (kind) => {
      const id = await create(app, ids.a1, `/v2/${ids.a1.projectId}`, kind);
      for (const who of Object.values(ids)) {
        const calls: Call[] = [
          { method: 'get', path: `/v1/${kind}` },
          { method: 'post', path: `/v1/${kind}`, body: BUILD[kind]() },
          ...PROBES.filter((p) => p.kinds.includes(kind)).map((p) => p.call('/v1', kind, id, { job: id, session: id })),
        ];
        for (const call of calls) {
          const got = await send(app, who, call);
          expect({ call: `${call.method} ${call.path}`, status: got.status, body: got.body }).toEqual({
            call: `${call.method} ${call.path}`,
            status: 404,
            body: expectedErrors.notFound(V1_NOT_SERVED),
          });
        }
      }
    });
  });
});
