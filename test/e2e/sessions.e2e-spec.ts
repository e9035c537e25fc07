// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildJobDoc } from '../factories/job.factory.js';
import { buildSessionDoc } from '../factories/session.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

const HEX_ID = /^[0-9a-f]{32}$/;

type Doc = Record<string, unknown>;
type Schedule = Record<string, unknown>;
type Members = Record<string, Doc>;

const notFound = (sessionId: string) => expectedErrors.notFound(`No session found with ID ${sessionId}`);
const jobNotFound = (jobId: string) => expectedErrors.notFound(`No job found with ID ${jobId}`);
const notAMember = () => expectedErrors.badRequest('job_id not found in session');

// Both APIs serve the same handlers; only the prefix, the scoping and DELETE of a missing id differ.
interface Api {
  name: 'v1' | 'v2';
  route: string;
  sessions(identity: Identity): string;
  jobs(identity: Identity): string;
}
const APIS: Api[] = [
  {
    name: 'v2',
    route: '/v2/:project_id/sessions',
    sessions: (identity) => `/v2/${identity.projectId}/sessions`,
    jobs: (identity) => `/v2/${identity.projectId}/jobs`,
  },
  { name: 'v1', route: '/v1/sessions', sessions: () => '/v1/sessions', jobs: () => '/v1/jobs' },
];

describe('sessions', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;

  beforeAll(async () => {
    app = await createTestApp();
    server = app.getHttpServer();
  });
  afterAll(async () => {
    await app.close();
  });

  for (const api of APIS) {
    const sessionsUrl = api.sessions;
    const sessionUrl = (identity: Identity, sessionId: string) => `${sessionsUrl(identity)}/${sessionId}`;
    const memberUrl = (identity: Identity, sessionId: string, jobId: string) => `${sessionUrl(identity, sessionId)}/jobs/${jobId}`;

    async function createSession(identity: Identity, body: Doc = buildSessionDoc()): Promise<string> {
      const res = await request(server).post(sessionsUrl(identity)).set(identityHeaders(identity)).send(body);
      expect(res.status).toBe(201);
      return res.body.session_id as string;
    }

    function getSession(identity: Identity, sessionId: string) {
      return request(server).get(sessionUrl(identity, sessionId)).set(identityHeaders(identity));
    }

    async function sessionDoc(identity: Identity, sessionId: string): Promise<Doc> {
      const res = await getSession(identity, sessionId);
      expect(res.status).toBe(200);
      return res.body as Doc;
    }

    async function listSessions(identity: Identity, query = '', search?: object): Promise<Doc[]> {
      const req = request(server).get(`${sessionsUrl(identity)}${query}`).set(identityHeaders(identity));
      const res = search === undefined ? await req : await req.send(search);
      expect(res.status).toBe(200);
      return res.body.sessions as Doc[];
    }

    function patchSession(identity: Identity, sessionId: string, body?: unknown, headers: Record<string, string> = {}) {
      const req = request(server)
        .patch(sessionUrl(identity, sessionId))
        .set({ ...identityHeaders(identity), ...headers });
      return body === undefined ? req : req.send(body as object);
    }

    function replaceSession(identity: Identity, sessionId: string, body?: unknown, method: 'post' | 'put' = 'post', headers: Record<string, string> = {}) {
      const req = request(server)[method](sessionUrl(identity, sessionId)).set({ ...identityHeaders(identity), ...headers });
      return body === undefined ? req : req.send(body as object);
    }

    function deleteSession(identity: Identity, sessionId: string, headers: Record<string, string> = {}) {
      return request(server)
        .delete(sessionUrl(identity, sessionId))
        .set({ ...identityHeaders(identity), ...headers });
    }

    function sessionAction(identity: Identity, sessionId: string, body?: unknown) {
      const req = request(server).post(`${sessionUrl(identity, sessionId)}/action`).set(identityHeaders(identity));
      return body === undefined ? req : req.send(body as object);
    }

    const start = (identity: Identity, sessionId: string, jobId: string, tag: unknown) =>
      sessionAction(identity, sessionId, { start: { job_id: jobId, current_tag: tag } });
    const end = (identity: Identity, sessionId: string, jobId: string, result: string) =>
      sessionAction(identity, sessionId, { end: { job_id: jobId, current_tag: 0, result } });

    function addJob(identity: Identity, sessionId: string, jobId: string) {
      return request(server).put(memberUrl(identity, sessionId, jobId)).set(identityHeaders(identity));
    }

    function removeJob(identity: Identity, sessionId: string, jobId: string) {
      return request(server).delete(memberUrl(identity, sessionId, jobId)).set(identityHeaders(identity));
    }

    async function createJob(identity: Identity, body: Doc = buildJobDoc()): Promise<string> {
      const res = await request(server).post(api.jobs(identity)).set(identityHeaders(identity)).send(body);
      expect(res.status).toBe(201);
      return res.body.job_id as string;
    }

    async function jobDoc(identity: Identity, jobId: string): Promise<Doc> {
      const res = await request(server).get(`${api.jobs(identity)}/${jobId}`).set(identityHeaders(identity));
      expect(res.status).toBe(200);
      return res.body as Doc;
    }

    // The version (D6) as the ETag of a GET tells it; null when the document is gone.
    async function versionOf(url: string, identity: Identity): Promise<number | null> {
      const res = await request(server).get(url).set(identityHeaders(identity));
      if (res.status === 404) return null;
      expect(res.status).toBe(200);
      return Number(JSON.parse(res.headers.etag as string));
    }
    const sessionVersion = (identity: Identity, sessionId: string) => versionOf(sessionUrl(identity, sessionId), identity);
    const jobVersion = (identity: Identity, jobId: string) => versionOf(`${api.jobs(identity)}/${jobId}`, identity);

    async function added(identity: Identity, sessionId: string, jobId: string): Promise<void> {
      await expect(addJob(identity, sessionId, jobId)).resolves.toMatchObject({ status: 204 });
    }

    // A session with `count` member jobs, for the start/end protocol.
    async function sessionWithMembers(identity: Identity, count: number, body: Doc = buildSessionDoc()): Promise<{ sessionId: string; jobIds: string[] }> {
      const sessionId = await createSession(identity, body);
      const jobIds: string[] = [];
      for (let i = 0; i < count; i++) {
        const jobId = await createJob(identity);
        await added(identity, sessionId, jobId);
        jobIds.push(jobId);
      }
      return { sessionId, jobIds };
    }

    // The document GET returns after a create of `body` (§10.1, §10.3).
    function created(identity: Identity, sessionId: string, body: Doc): Doc {
      return {
        hold_off: 30,
        result: '',
        time_start: -1,
        time_end: -1,
        time_started: -1,
        time_ended: -1,
        ...body,
        last_start: '',
        status: 'active',
        session_tag: 0,
        jobs: {},
        session_id: sessionId,
        user_id: identity.userId,
        project_id: identity.projectId,
      };
    }

    describe(`POST ${api.route}`, () => {
      it('answers 201 {session_id} and stores the web UI body with the defaults', async () => {
        const identity = newIdentity();
        const body = buildSessionDoc();
        const res = await request(server).post(sessionsUrl(identity)).set(identityHeaders(identity)).send(body);
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ session_id: expect.stringMatching(HEX_ID) });
        const sessionId = res.body.session_id as string;
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual({
          session_id: sessionId,
          user_id: identity.userId,
          project_id: identity.projectId,
          description: body.description,
          schedule: body.schedule,
          hold_off: 30,
          status: 'active',
          result: '',
          session_tag: 0,
          jobs: {},
          last_start: '',
          time_start: -1,
          time_end: -1,
          time_started: -1,
          time_ended: -1,
        });
      });

      it('ignores a body session_id, jobs (tempest posts a list), status and user_id, and keeps its session_tag', async () => {
        const identity = newIdentity();
        // freezer-tempest-plugin test_api_sessions_post
        const tempest = {
          session_id: 'test-session',
          session_tag: 1,
          description: 'a test session',
          hold_off: 5,
          schedule: {
            time_created: 1234,
            time_started: 1234,
            time_ended: 0,
            status: 'stop',
            schedule_date: '2015-06-02T16:20:00',
            schedule_month: '1-6, 9-12',
            schedule_day: 'mon, wed, fri',
            schedule_hour: '03',
            schedule_minute: '25',
          },
          jobs: [
            {
              job_id_1: { client_id: 'client-id-1', status: 'stop', result: 'success', time_started: 1234, time_ended: 1234 },
              job_id_2: { client_id: 'client-id-1', status: 'stop', result: 'success', time_started: 1234, time_ended: 1234 },
            },
          ],
          time_start: 1234,
          time_end: 1234,
          time_started: 1234,
          time_ended: 1234,
          status: 'completed',
          result: 'success',
          user_id: 'user-id-1',
        };
        const res = await request(server).post(sessionsUrl(identity)).set(identityHeaders(identity)).send(tempest);
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ session_id: expect.stringMatching(HEX_ID) });
        const sessionId = res.body.session_id as string;
        expect(sessionId).not.toBe('test-session');
        const { jobs: _jobs, session_id: _id, status: _status, user_id: _user, ...kept } = tempest;
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual({ ...created(identity, sessionId, kept), session_tag: 1 });
        await expect(getSession(identity, 'test-session')).resolves.toMatchObject({ status: 404 });
      });

      it('keeps extra top-level keys (JSONB, D14)', async () => {
        const identity = newIdentity();
        const body = buildSessionDoc({ hold_off: 90, session_name: 'nightly', labels: { tier: ['db', 1, true, null] } });
        const sessionId = await createSession(identity, body);
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual(created(identity, sessionId, body));
      });

      it('stores the body\'s session_tag, which its members then start runs with (D13, §10.5)', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2, buildSessionDoc({ session_tag: 4, hold_off: 3600 }));
        await expect(sessionDoc(identity, sessionId)).resolves.toMatchObject({ session_tag: 4 });
        // a member takes the session's tag when it joins
        await expect(jobDoc(identity, jobIds[0])).resolves.toMatchObject({ session_id: sessionId, session_tag: 4 });
        await expect(start(identity, sessionId, jobIds[0], 3)).resolves.toMatchObject({ status: 202, body: { result: 'out-of-sync', session_tag: 4 } });
        await expect(start(identity, sessionId, jobIds[0], 5)).resolves.toMatchObject({
          status: 400,
          body: expectedErrors.badRequest('requested tag value too high. Session Tag: 4 Job Tag: 5'),
        });
        await expect(start(identity, sessionId, jobIds[0], 4)).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 5 } });
        // within hold_off: the old tag joins the run, the current one is held off
        await expect(start(identity, sessionId, jobIds[1], 4)).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 5 } });
        await expect(start(identity, sessionId, jobIds[0], 5)).resolves.toMatchObject({ status: 202, body: { result: 'hold-off', session_tag: 5 } });
        await expect(sessionDoc(identity, sessionId)).resolves.toMatchObject({ session_tag: 5, status: 'running' });
      });

      it('answers out-of-sync to a tag below the created one once the hold-off window has passed', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2, buildSessionDoc({ session_tag: 4, hold_off: -1 }));
        await expect(start(identity, sessionId, jobIds[0], 4)).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 5 } });
        await expect(start(identity, sessionId, jobIds[1], 4)).resolves.toMatchObject({ status: 202, body: { result: 'out-of-sync', session_tag: 5 } });
      });

      it.each([
        ['a string', '4', "'4' is not of type 'integer'"],
        ['a float', 4.5, "4.5 is not of type 'integer'"],
        ['a boolean', true, "True is not of type 'integer'"],
        ['an object', { tag: 1 }, "{'tag': 1} is not of type 'integer'"],
      ])('answers 400 to a session_tag that is %s and stores nothing', async (_name, tag, description) => {
        const identity = newIdentity();
        const res = await request(server).post(sessionsUrl(identity)).set(identityHeaders(identity)).send(buildSessionDoc({ session_tag: tag }));
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(description));
        await expect(listSessions(identity)).resolves.toEqual([]);
      });

      it.each([
        ['no body', undefined],
        ['an empty object', {}],
      ])('answers 400 Missing request body for %s', async (_name, body) => {
        const identity = newIdentity();
        const req = request(server).post(sessionsUrl(identity)).set(identityHeaders(identity));
        const res = body === undefined ? await req : await req.send(body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest('Missing request body'));
        await expect(listSessions(identity)).resolves.toEqual([]);
      });

      it.each([
        ['schedule is missing', buildSessionDoc({ schedule: undefined }), "'schedule' is a required property"],
        ['schedule has an unknown key', buildSessionDoc({ schedule: { schedule_interval: '1 days', every: 'night' } }), "Additional properties are not allowed ('every' was unexpected)"],
        ['schedule is not an object', buildSessionDoc({ schedule: 'daily' }), "'daily' is not of type 'object'"],
        ['schedule_interval is malformed', buildSessionDoc({ schedule: { schedule_interval: 'often' } }), expect.stringContaining("'often' does not match")],
        ['hold_off is not an integer', buildSessionDoc({ hold_off: '30' }), "'30' is not of type 'integer'"],
        ['the body is a list', [buildSessionDoc()], expect.any(String)],
      ])('answers 400 when %s and stores nothing', async (_name, body, description) => {
        const identity = newIdentity();
        const res = await request(server).post(sessionsUrl(identity)).set(identityHeaders(identity)).send(body as object);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(description as string));
        await expect(listSessions(identity)).resolves.toEqual([]);
      });
    });

    describe(`GET ${api.route}/:session_id`, () => {
      it('returns the document with ETag "1" and no _version', async () => {
        const identity = newIdentity();
        const body = buildSessionDoc();
        const sessionId = await createSession(identity, body);
        const res = await getSession(identity, sessionId);
        expect(res.status).toBe(200);
        expect(res.headers.etag).toBe('"1"');
        expect(res.body).toEqual(created(identity, sessionId, body));
      });

      it('answers 404 with a JSON body for a missing id and for another user\'s session', async () => {
        const owner = newIdentity();
        const sessionId = await createSession(owner);
        const stranger = newIdentity();
        const missing = await getSession(owner, 'f'.repeat(32));
        expect(missing.status).toBe(404);
        expect(missing.body).toEqual(notFound('f'.repeat(32)));
        const foreign = await getSession(stranger, sessionId);
        expect(foreign.status).toBe(404);
        expect(foreign.body).toEqual(notFound(sessionId));
      });
    });

    describe(`GET ${api.route}`, () => {
      it('lists only the caller\'s sessions, in creation order, paged', async () => {
        const identity = newIdentity();
        const ids = [await createSession(identity), await createSession(identity), await createSession(identity)];
        await createSession(newIdentity());
        const all = await listSessions(identity);
        expect(all.map((doc) => doc.session_id)).toEqual(ids);
        expect(all[0]).toEqual(await sessionDoc(identity, ids[0]));
        await expect(listSessions(identity, '?limit=1&offset=1')).resolves.toEqual([all[1]]);
      });

      it('reads a bare status as the session\'s own status, not a member job\'s (§14 #13)', async () => {
        const identity = newIdentity();
        // an active session whose only member says "running"
        const idle = await createSession(identity);
        await added(identity, idle, await createJob(identity, buildJobDoc({ job_schedule: { status: 'running', event: 'start' } })));
        // a running session (started) whose member entry is running too
        const { sessionId: busy, jobIds } = await sessionWithMembers(identity, 1);
        await expect(start(identity, busy, jobIds[0], 0)).resolves.toMatchObject({ status: 202 });
        // a completed session whose member completed
        const { sessionId: done, jobIds: doneJobs } = await sessionWithMembers(identity, 1);
        await expect(start(identity, done, doneJobs[0], 0)).resolves.toMatchObject({ status: 202 });
        await expect(end(identity, done, doneJobs[0], 'success')).resolves.toMatchObject({ status: 202 });

        const ids = (docs: Doc[]) => docs.map((doc) => doc.session_id);
        await expect(listSessions(identity, '', { match: [{ status: 'running' }] }).then(ids)).resolves.toEqual([busy]);
        await expect(listSessions(identity, '', { match: [{ status: 'active' }] }).then(ids)).resolves.toEqual([idle]);
        await expect(listSessions(identity, '', { match: [{ status: 'completed' }] }).then(ids)).resolves.toEqual([done]);
        await expect(listSessions(identity, '', { match_not: [{ status: 'running' }] }).then(ids)).resolves.toEqual([idle, done]);
        // a dotted path still reaches a member's status
        await expect(listSessions(identity, '', { match: [{ [`jobs.${jobIds[0]}.status`]: 'running' }] }).then(ids)).resolves.toEqual([busy]);
      });

      it('searches other keys and free text', async () => {
        const identity = newIdentity();
        const a = await createSession(identity, buildSessionDoc({ description: 'Database Cluster snapshot', hold_off: 45 }));
        const b = await createSession(identity, buildSessionDoc({ description: 'web tier' }));
        const ids = (docs: Doc[]) => docs.map((doc) => doc.session_id);
        await expect(listSessions(identity, '', { match: [{ hold_off: 45 }] }).then(ids)).resolves.toEqual([a]);
        await expect(listSessions(identity, '', { match: [{ _all: 'cluster SNAP' }] }).then(ids)).resolves.toEqual([a]);
        await expect(listSessions(identity, '', { match: [{ description: 'web tier' }] }).then(ids)).resolves.toEqual([b]);
      });
    });

    describe(`PATCH ${api.route}/:session_id`, () => {
      it('merges schedule recursively and answers 200 {session_id, version}', async () => {
        const identity = newIdentity();
        const body = buildSessionDoc();
        const sessionId = await createSession(identity, body);
        const res = await patchSession(identity, sessionId, { description: 'renamed', schedule: { schedule_interval: '2 hours', schedule_hour: '3' } });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ session_id: sessionId, version: 2 });
        const got = await getSession(identity, sessionId);
        expect(got.headers.etag).toBe('"2"');
        expect(got.body).toEqual({
          ...created(identity, sessionId, body),
          description: 'renamed',
          schedule: { ...(body.schedule as Schedule), schedule_interval: '2 hours', schedule_hour: '3' },
        });
      });

      it('ignores jobs, session_tag, ids, user_id, project_id and _version in the body (D7, D13)', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        await expect(start(identity, sessionId, jobIds[0], 0)).resolves.toMatchObject({ status: 202, body: { session_tag: 1 } });
        const before = await sessionDoc(identity, sessionId);
        const version = (await sessionVersion(identity, sessionId)) as number;
        const res = await patchSession(identity, sessionId, {
          jobs: { other: { client_id: 'x', status: '', result: '', time_started: '', time_ended: '' } },
          session_tag: 9,
          session_id: 'other',
          user_id: 'someone',
          project_id: 'elsewhere',
          _version: 42,
          description: 'kept apart',
        });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ session_id: sessionId, version: version + 1 });
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual({ ...before, description: 'kept apart' });
      });

      it('merges extra keys recursively and lets free keys change', async () => {
        const identity = newIdentity();
        const body = buildSessionDoc({ labels: { a: 1, b: { c: 2 } } });
        const sessionId = await createSession(identity, body);
        await expect(patchSession(identity, sessionId, { labels: { b: { d: 3 } }, last_start: 'x' })).resolves.toMatchObject({ status: 200 });
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual({
          ...created(identity, sessionId, body),
          labels: { a: 1, b: { c: 2, d: 3 } },
          last_start: 'x',
        });
      });

      it.each([
        ['no body', undefined, 'Missing request body'],
        ['an unknown schedule key', { schedule: { bogus: 1 } }, "Additional properties are not allowed ('bogus' was unexpected)"],
        ['a string hold_off', { hold_off: 'long' }, "'long' is not of type 'integer'"],
      ])('answers 400 for %s and changes nothing', async (_name, body, description) => {
        const identity = newIdentity();
        const sessionId = await createSession(identity);
        const before = await sessionDoc(identity, sessionId);
        const res = await patchSession(identity, sessionId, body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(description));
        await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"1"' }, body: before });
      });

      it('answers 404 with a JSON body for a missing or another user\'s session', async () => {
        const owner = newIdentity();
        const sessionId = await createSession(owner);
        const stranger = newIdentity();
        const missing = await patchSession(owner, 'a'.repeat(32), { description: 'x' });
        expect(missing.status).toBe(404);
        expect(missing.body).toEqual(notFound('a'.repeat(32)));
        const foreign = await patchSession(stranger, sessionId, { description: 'x' });
        expect(foreign.status).toBe(404);
        expect(foreign.body).toEqual(notFound(sessionId));
        await expect(getSession(owner, sessionId)).resolves.toMatchObject({ headers: { etag: '"1"' } });
      });

      it('applies with a matching If-Match and answers 412 with a stale one, changing nothing (D6)', async () => {
        const identity = newIdentity();
        const sessionId = await createSession(identity);
        await expect(patchSession(identity, sessionId, { description: 'one' }, { 'If-Match': '"1"' })).resolves.toMatchObject({
          status: 200,
          body: { session_id: sessionId, version: 2 },
        });
        const stale = await patchSession(identity, sessionId, { description: 'two' }, { 'If-Match': '"1"' });
        expect(stale.status).toBe(412);
        expect(stale.body).toEqual(expectedErrors.preconditionFailed());
        await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"2"' }, body: { description: 'one' } });
      });
    });

    for (const method of ['post', 'put'] as const) {
      describe(`${method.toUpperCase()} ${api.route}/:session_id`, () => {
        it('creates the session under the path id with the body\'s tag and no members: 201 {session_id, version: 1}', async () => {
          const identity = newIdentity();
          const sessionId = `nightly-${method}-${newIdentity().userId}`;
          const body = buildSessionDoc({ hold_off: 15, status: 'active' });
          const res = await replaceSession(identity, sessionId, { ...body, session_id: 'ignored', jobs: { j: {} }, session_tag: 4 }, method);
          expect(res.status).toBe(201);
          expect(res.body).toEqual({ session_id: sessionId, version: 1 });
          await expect(sessionDoc(identity, sessionId)).resolves.toEqual({ ...created(identity, sessionId, body), session_tag: 4 });
        });

        it('replaces the document but keeps jobs and session_tag (§14 #20, D13)', async () => {
          const identity = newIdentity();
          const { sessionId, jobIds } = await sessionWithMembers(identity, 2);
          await expect(start(identity, sessionId, jobIds[0], 0)).resolves.toMatchObject({ status: 202, body: { session_tag: 1 } });
          const before = await sessionDoc(identity, sessionId);
          const version = (await sessionVersion(identity, sessionId)) as number;
          const body = buildSessionDoc({ description: 'replaced', hold_off: 10, owner_note: 'new' });
          const res = await replaceSession(identity, sessionId, { ...body, jobs: {}, session_tag: 0 }, method);
          expect(res.status).toBe(201);
          expect(res.body).toEqual({ session_id: sessionId, version: version + 1 });
          const after = await sessionDoc(identity, sessionId);
          expect(after).toEqual({
            ...created(identity, sessionId, body),
            session_tag: 1,
            jobs: before.jobs,
          });
          expect(Object.keys(after.jobs as Members).sort()).toEqual([...jobIds].sort());
          // the members still point at the session
          await expect(jobDoc(identity, jobIds[1])).resolves.toMatchObject({ session_id: sessionId, session_tag: 0 });
        });

        it('answers 400 for a missing body or schedule and changes nothing', async () => {
          const identity = newIdentity();
          const sessionId = await createSession(identity);
          const none = await replaceSession(identity, sessionId, undefined, method);
          expect(none.status).toBe(400);
          expect(none.body).toEqual(expectedErrors.badRequest('Missing request body'));
          const noSchedule = await replaceSession(identity, sessionId, { description: 'x', session_tag: 0 }, method);
          expect(noSchedule.status).toBe(400);
          expect(noSchedule.body).toEqual(expectedErrors.badRequest("'schedule' is a required property"));
          await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"1"' } });
        });

        it.each([
          ['no session_tag', {}, "'session_tag' is a required property"],
          ['a string session_tag', { session_tag: '1' }, "'1' is not of type 'integer'"],
          ['a float session_tag', { session_tag: 1.5 }, "1.5 is not of type 'integer'"],
          ['a boolean session_tag', { session_tag: false }, "False is not of type 'integer'"],
        ])('answers 400 for %s, on an existing id and on a new one, and changes nothing', async (_name, tag, description) => {
          const identity = newIdentity();
          const sessionId = await createSession(identity);
          const body = { ...buildSessionDoc({ description: 'replaced' }), ...tag };
          const existing = await replaceSession(identity, sessionId, body, method);
          expect(existing.status).toBe(400);
          expect(existing.body).toEqual(expectedErrors.badRequest(description));
          await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"1"' }, body: { description: expect.not.stringMatching('replaced') } });
          const fresh = await replaceSession(identity, `new-${sessionId}`, body, method);
          expect(fresh.status).toBe(400);
          expect(fresh.body).toEqual(expectedErrors.badRequest(description));
          await expect(getSession(identity, `new-${sessionId}`)).resolves.toMatchObject({ status: 404 });
        });

        it('creates the caller\'s own document when only another user holds the id (D4)', async () => {
          const owner = newIdentity();
          const body = buildSessionDoc();
          const sessionId = await createSession(owner, body);
          const other = newIdentity();
          const res = await replaceSession(other, sessionId, buildSessionDoc({ session_tag: 0, description: 'mine' }), method);
          expect(res.status).toBe(201);
          expect(res.body).toEqual({ session_id: sessionId, version: 1 });
          await expect(sessionDoc(owner, sessionId)).resolves.toEqual(created(owner, sessionId, body));
          await expect(sessionDoc(other, sessionId)).resolves.toMatchObject({ description: 'mine', user_id: other.userId });
        });

        it('answers 412 for a stale If-Match and changes nothing', async () => {
          const identity = newIdentity();
          const sessionId = await createSession(identity);
          const stale = await replaceSession(identity, sessionId, buildSessionDoc({ session_tag: 0, description: 'late' }), method, { 'If-Match': '"7"' });
          expect(stale.status).toBe(412);
          expect(stale.body).toEqual(expectedErrors.preconditionFailed());
          const fresh = await replaceSession(identity, sessionId, buildSessionDoc({ session_tag: 0, description: 'on time' }), method, { 'If-Match': '"1"' });
          expect(fresh.body).toEqual({ session_id: sessionId, version: 2 });
          await expect(sessionDoc(identity, sessionId)).resolves.toMatchObject({ description: 'on time' });
        });

        it('answers 412 for an If-Match on an id the caller does not hold, creating nothing', async () => {
          const identity = newIdentity();
          const sessionId = `absent-${method}-${newIdentity().userId}`;
          const res = await replaceSession(identity, sessionId, buildSessionDoc({ session_tag: 0 }), method, { 'If-Match': '*' });
          expect(res.status).toBe(412);
          expect(res.body).toEqual(expectedErrors.preconditionFailed());
          await expect(getSession(identity, sessionId)).resolves.toMatchObject({ status: 404 });
        });

        if (api.name === 'v2') {
          it('answers 409 when the same user holds the id in another project (D4)', async () => {
            const identity = newIdentity();
            const sessionId = await createSession(identity);
            const elsewhere = newIdentity({ userId: identity.userId });
            const res = await replaceSession(elsewhere, sessionId, buildSessionDoc({ session_tag: 0 }), method);
            expect(res.status).toBe(409);
            expect(res.body).toEqual(expectedErrors.conflict());
            await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"1"' } });
          });
        }
      });
    }

    describe(`DELETE ${api.route}/:session_id`, () => {
      it('deletes the session: 204, then 404', async () => {
        const identity = newIdentity();
        const sessionId = await createSession(identity);
        const res = await deleteSession(identity, sessionId);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
        await expect(getSession(identity, sessionId)).resolves.toMatchObject({ status: 404 });
        // a deleted id can be used again, starting at version 1 (D17, D6)
        await expect(replaceSession(identity, sessionId, buildSessionDoc({ session_tag: 0 }))).resolves.toMatchObject({ status: 201, body: { version: 1 } });
      });

      if (api.name === 'v2') {
        it('answers 204 for a missing or another user\'s session, deleting nothing', async () => {
          const owner = newIdentity();
          const sessionId = await createSession(owner);
          await expect(deleteSession(owner, 'b'.repeat(32))).resolves.toMatchObject({ status: 204 });
          await expect(deleteSession(newIdentity(), sessionId)).resolves.toMatchObject({ status: 204 });
          await expect(getSession(owner, sessionId)).resolves.toMatchObject({ status: 200 });
        });
      } else {
        it('answers 404 No session found with ID:<id> for a missing or another user\'s session, deleting nothing', async () => {
          const owner = newIdentity();
          const sessionId = await createSession(owner);
          const missing = await deleteSession(owner, 'b'.repeat(32));
          expect(missing.status).toBe(404);
          expect(missing.body).toEqual(expectedErrors.notFound(`No session found with ID:${'b'.repeat(32)}`));
          const foreign = await deleteSession(newIdentity(), sessionId);
          expect(foreign.status).toBe(404);
          expect(foreign.body).toEqual(expectedErrors.notFound(`No session found with ID:${sessionId}`));
          await expect(getSession(owner, sessionId)).resolves.toMatchObject({ status: 200 });
        });
      }

      it('detaches the member jobs: session_id "" and session_tag 0, each a new version (§14 #28)', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2);
        await expect(start(identity, sessionId, jobIds[0], 0)).resolves.toMatchObject({ status: 202 });
        await added(identity, sessionId, jobIds[1]); // picks up session_tag 1
        const before = await Promise.all(jobIds.map((jobId) => jobDoc(identity, jobId)));
        const versions = await Promise.all(jobIds.map((jobId) => jobVersion(identity, jobId)));
        expect(before[1]).toMatchObject({ session_id: sessionId, session_tag: 1 });
        await expect(deleteSession(identity, sessionId)).resolves.toMatchObject({ status: 204 });
        for (const [i, jobId] of jobIds.entries()) {
          await expect(jobDoc(identity, jobId)).resolves.toEqual({ ...before[i], session_id: '', session_tag: 0 });
          await expect(jobVersion(identity, jobId)).resolves.toBe((versions[i] as number) + 1);
        }
      });

      it('answers 412 for a stale If-Match and deletes nothing', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        const res = await deleteSession(identity, sessionId, { 'If-Match': '"1"' });
        expect(res.status).toBe(412);
        expect(res.body).toEqual(expectedErrors.preconditionFailed());
        await expect(jobDoc(identity, jobIds[0])).resolves.toMatchObject({ session_id: sessionId });
        await expect(deleteSession(identity, sessionId, { 'If-Match': '"2"' })).resolves.toMatchObject({ status: 204 });
      });
    });

    describe(`PUT ${api.route}/:session_id/jobs/:job_id`, () => {
      it('adds the job: 204, a member entry, the session\'s schedule_* merged into the job (§14 #19)', async () => {
        const identity = newIdentity();
        const sessionSchedule = {
          schedule_interval: '2 hours',
          schedule_start_date: '2032-02-02T02:00:00',
          schedule_day_of_week: 'mon',
          status: 'stop',
          time_created: 1234,
        };
        const sessionId = await createSession(identity, buildSessionDoc({ schedule: sessionSchedule }));
        const jobSchedule = {
          schedule_interval: '1 days',
          schedule_start_date: '2030-01-01T03:00:00',
          schedule_end_date: '2031-01-01T03:00:00',
          event: 'start',
          status: 'scheduled',
          result: 'success',
        };
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: jobSchedule }));
        const job = await jobDoc(identity, jobId);
        const sessionBefore = await sessionDoc(identity, sessionId);

        const res = await addJob(identity, sessionId, jobId);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');

        await expect(jobDoc(identity, jobId)).resolves.toEqual({
          ...job,
          session_id: sessionId,
          session_tag: 0,
          job_schedule: {
            ...(job.job_schedule as Schedule),
            schedule_interval: '2 hours',
            schedule_start_date: '2032-02-02T02:00:00',
            schedule_day_of_week: 'mon',
          },
        });
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual({
          ...sessionBefore,
          jobs: {
            [jobId]: { client_id: job.client_id, status: 'scheduled', result: 'success', time_started: -1, time_ended: -1 },
          },
        });
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(2);
        await expect(jobVersion(identity, jobId)).resolves.toBe(2);
      });

      it('records "" for a job without status or result, and gives the job the session\'s current tag', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1, buildSessionDoc({ hold_off: 3600 }));
        await expect(start(identity, sessionId, jobIds[0], 0)).resolves.toMatchObject({ body: { session_tag: 1 } });
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: {} }));
        await added(identity, sessionId, jobId);
        const job = await jobDoc(identity, jobId);
        expect(job).toMatchObject({ session_id: sessionId, session_tag: 1 });
        await expect(sessionDoc(identity, sessionId)).resolves.toMatchObject({
          jobs: { [jobId]: { client_id: job.client_id, status: '', result: '', time_started: -1, time_ended: -1 } },
        });
      });

      it('moves a job that belongs to another session out of that session', async () => {
        const identity = newIdentity();
        const { sessionId: first, jobIds } = await sessionWithMembers(identity, 2);
        const second = await createSession(identity);
        const [moving, staying] = jobIds;
        const versions = [await sessionVersion(identity, first), await sessionVersion(identity, second), await jobVersion(identity, moving)];
        await expect(addJob(identity, second, moving)).resolves.toMatchObject({ status: 204 });
        const firstDoc = await sessionDoc(identity, first);
        expect(Object.keys(firstDoc.jobs as Members)).toEqual([staying]);
        await expect(sessionDoc(identity, second)).resolves.toMatchObject({ jobs: { [moving]: expect.any(Object) } });
        await expect(jobDoc(identity, moving)).resolves.toMatchObject({ session_id: second });
        await expect(jobDoc(identity, staying)).resolves.toMatchObject({ session_id: first });
        await expect(
          Promise.all([sessionVersion(identity, first), sessionVersion(identity, second), jobVersion(identity, moving)]),
        ).resolves.toEqual(versions.map((version) => (version as number) + 1));
      });

      it('answers 404 for a missing job and changes nothing', async () => {
        const identity = newIdentity();
        const sessionId = await createSession(identity);
        const res = await addJob(identity, sessionId, 'c'.repeat(32));
        expect(res.status).toBe(404);
        expect(res.body).toEqual(jobNotFound('c'.repeat(32)));
        await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"1"' }, body: { jobs: {} } });
      });

      it('answers 404 for another user\'s job and changes nothing', async () => {
        const identity = newIdentity();
        const stranger = newIdentity();
        const sessionId = await createSession(identity);
        const jobId = await createJob(stranger);
        const res = await addJob(identity, sessionId, jobId);
        expect(res.status).toBe(404);
        expect(res.body).toEqual(jobNotFound(jobId));
        await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"1"' }, body: { jobs: {} } });
        await expect(jobDoc(stranger, jobId)).resolves.toMatchObject({ session_id: '' });
        await expect(jobVersion(stranger, jobId)).resolves.toBe(1);
      });

      it('answers 404 for a missing session and changes nothing, not even the job\'s old session', async () => {
        const identity = newIdentity();
        const { sessionId: old, jobIds } = await sessionWithMembers(identity, 1);
        const job = await jobDoc(identity, jobIds[0]);
        const res = await addJob(identity, 'd'.repeat(32), jobIds[0]);
        expect(res.status).toBe(404);
        expect(res.body).toEqual(notFound('d'.repeat(32)));
        await expect(getSession(identity, old)).resolves.toMatchObject({ headers: { etag: '"2"' }, body: { jobs: { [jobIds[0]]: expect.any(Object) } } });
        await expect(jobDoc(identity, jobIds[0])).resolves.toEqual(job);
        await expect(jobVersion(identity, jobIds[0])).resolves.toBe(2);
      });
    });

    describe(`DELETE ${api.route}/:session_id/jobs/:job_id`, () => {
      it('removes the job: 204, entry gone, event stop merged, session_id and session_tag cleared', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2, buildSessionDoc({ hold_off: 3600 }));
        await expect(start(identity, sessionId, jobIds[0], 0)).resolves.toMatchObject({ body: { session_tag: 1 } });
        await added(identity, sessionId, jobIds[0]); // the job now carries session_tag 1
        const job = await jobDoc(identity, jobIds[0]);
        expect(job).toMatchObject({ session_tag: 1 });
        const session = await sessionDoc(identity, sessionId);
        const versions = [await sessionVersion(identity, sessionId), await jobVersion(identity, jobIds[0])];

        const res = await removeJob(identity, sessionId, jobIds[0]);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
        const { [jobIds[0]]: _gone, ...rest } = session.jobs as Members;
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual({ ...session, jobs: rest });
        await expect(jobDoc(identity, jobIds[0])).resolves.toEqual({
          ...job,
          session_id: '',
          session_tag: 0,
          job_schedule: { ...(job.job_schedule as Schedule), event: 'stop' },
        });
        await expect(Promise.all([sessionVersion(identity, sessionId), jobVersion(identity, jobIds[0])])).resolves.toEqual(
          versions.map((version) => (version as number) + 1),
        );
      });

      it('keeps the job\'s own schedule keys when removing it (§14 #19)', async () => {
        const identity = newIdentity();
        const sessionId = await createSession(identity);
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { event: 'start', status: 'running', result: 'fail', schedule_hour: '4' } }));
        await added(identity, sessionId, jobId);
        const job = await jobDoc(identity, jobId);
        await expect(removeJob(identity, sessionId, jobId)).resolves.toMatchObject({ status: 204 });
        await expect(jobDoc(identity, jobId)).resolves.toMatchObject({
          job_schedule: { ...(job.job_schedule as Schedule), event: 'stop', status: 'running', result: 'fail', schedule_hour: '4' },
        });
      });

      it('is a 204 no-op for an existing job that is not a member', async () => {
        const identity = newIdentity();
        const { sessionId: other, jobIds } = await sessionWithMembers(identity, 1);
        const sessionId = await createSession(identity);
        const loner = await createJob(identity);
        for (const jobId of [loner, jobIds[0]]) {
          await expect(removeJob(identity, sessionId, jobId)).resolves.toMatchObject({ status: 204 });
        }
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(1);
        await expect(jobVersion(identity, loner)).resolves.toBe(1);
        await expect(jobDoc(identity, loner)).resolves.toMatchObject({ session_id: '' });
        // a member of another session stays there
        await expect(jobDoc(identity, jobIds[0])).resolves.toMatchObject({ session_id: other });
        await expect(jobVersion(identity, jobIds[0])).resolves.toBe(2);
        await expect(sessionVersion(identity, other)).resolves.toBe(2);
      });

      it('answers 404 for a missing job and changes nothing', async () => {
        const identity = newIdentity();
        const { sessionId } = await sessionWithMembers(identity, 1);
        const before = await sessionDoc(identity, sessionId);
        const res = await removeJob(identity, sessionId, 'e'.repeat(32));
        expect(res.status).toBe(404);
        expect(res.body).toEqual(jobNotFound('e'.repeat(32)));
        await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"2"' }, body: before });
      });

      it('answers 404 for a missing or another user\'s session and changes nothing', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        const job = await jobDoc(identity, jobIds[0]);
        const missing = await removeJob(identity, 'f'.repeat(32), jobIds[0]);
        expect(missing.status).toBe(404);
        expect(missing.body).toEqual(notFound('f'.repeat(32)));
        const stranger = newIdentity();
        const foreign = await removeJob(stranger, sessionId, jobIds[0]);
        expect(foreign.status).toBe(404);
        expect(foreign.body).toEqual(notFound(sessionId));
        await expect(jobDoc(identity, jobIds[0])).resolves.toEqual(job);
        await expect(jobVersion(identity, jobIds[0])).resolves.toBe(2);
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(2);
      });
    });

    describe(`DELETE ${api.route.replace('sessions', 'jobs')}/:job_id`, () => {
      it('removes a deleted job from its session\'s members, a new session version (§14 #28)', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2);
        const session = await sessionDoc(identity, sessionId);
        const res = await request(server).delete(`${api.jobs(identity)}/${jobIds[0]}`).set(identityHeaders(identity));
        expect(res.status).toBe(204);
        const { [jobIds[0]]: _gone, ...rest } = session.jobs as Members;
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual({ ...session, jobs: rest });
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(4);
      });

      it('changes nothing in the session when the job delete fails its If-Match', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        const res = await request(server)
          .delete(`${api.jobs(identity)}/${jobIds[0]}`)
          .set({ ...identityHeaders(identity), 'If-Match': '"1"' });
        expect(res.status).toBe(412);
        await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"2"' }, body: { jobs: { [jobIds[0]]: expect.any(Object) } } });
      });
    });

    describe(`POST ${api.route}/:session_id/action`, () => {
      it('starts a run on the first start: tag + 1, running, the member marked started (202)', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2);
        const before = await sessionDoc(identity, sessionId);
        const res = await start(identity, sessionId, jobIds[0], 0);
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ result: 'success', session_tag: 1 });
        const after = await sessionDoc(identity, sessionId);
        const members = before.jobs as Members;
        expect(after).toEqual({
          ...before,
          session_tag: 1,
          status: 'running',
          result: '',
          time_start: expect.any(Number),
          jobs: { ...members, [jobIds[0]]: { ...members[jobIds[0]], status: 'running', result: '', time_started: after.time_start } },
        });
        expect(after.time_start as number).toBeGreaterThan(0);
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(4);
      });

      it('lets a second member with the old tag join within hold_off, and answers hold-off to the current tag', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2, buildSessionDoc({ hold_off: 3600 }));
        await expect(start(identity, sessionId, jobIds[0], 0)).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 1 } });
        const joined = await start(identity, sessionId, jobIds[1], 0);
        expect(joined.status).toBe(202);
        expect(joined.body).toEqual({ result: 'success', session_tag: 1 });
        const doc = await sessionDoc(identity, sessionId);
        expect(doc).toMatchObject({
          session_tag: 1,
          status: 'running',
          jobs: { [jobIds[1]]: { status: 'running', result: '', time_started: expect.any(Number) } },
        });
        const version = await sessionVersion(identity, sessionId);
        expect(version).toBe(5);

        const again = await start(identity, sessionId, jobIds[0], 1);
        expect(again.status).toBe(202);
        expect(again.body).toEqual({ result: 'hold-off', session_tag: 1 });
        await expect(sessionDoc(identity, sessionId)).resolves.toEqual(doc);
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(version);
      });

      it('answers out-of-sync to an old tag once the hold-off window has passed (hold_off -1), changing nothing', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2, buildSessionDoc({ hold_off: -1 }));
        await expect(start(identity, sessionId, jobIds[0], 0)).resolves.toMatchObject({ body: { result: 'success', session_tag: 1 } });
        const doc = await sessionDoc(identity, sessionId);
        const late = await start(identity, sessionId, jobIds[1], 0);
        expect(late.status).toBe(202);
        expect(late.body).toEqual({ result: 'out-of-sync', session_tag: 1 });
        await expect(getSession(identity, sessionId)).resolves.toMatchObject({ headers: { etag: '"4"' }, body: doc });
        // the current tag starts the next run at once
        await expect(start(identity, sessionId, jobIds[1], 1)).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 2 } });
      });

      it('answers 400 to a tag above the session tag', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        const res = await start(identity, sessionId, jobIds[0], 5);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest('requested tag value too high. Session Tag: 0 Job Tag: 5'));
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(2);
      });

      it('accepts current_tag as a numeric string, as freezerclient session-start sends it', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        await expect(start(identity, sessionId, jobIds[0], '0')).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 1 } });
        await expect(start(identity, sessionId, jobIds[0], '3')).resolves.toMatchObject({
          status: 400,
          body: expectedErrors.badRequest('requested tag value too high. Session Tag: 1 Job Tag: 3'),
        });
      });

      it('answers 400 job_id not found in session for a start or end of a job that is not a member', async () => {
        const identity = newIdentity();
        const { sessionId } = await sessionWithMembers(identity, 1);
        const loner = await createJob(identity);
        await expect(start(identity, sessionId, loner, 0)).resolves.toMatchObject({ status: 400, body: notAMember() });
        await expect(end(identity, sessionId, loner, 'success')).resolves.toMatchObject({ status: 400, body: notAMember() });
        await expect(sessionDoc(identity, sessionId)).resolves.toMatchObject({ session_tag: 0, status: 'active' });
      });

      it('ends: marks the member completed and keeps the session running until every member completed', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 2, buildSessionDoc({ hold_off: 3600 }));
        await start(identity, sessionId, jobIds[0], 0);
        await start(identity, sessionId, jobIds[1], 0);
        const res = await end(identity, sessionId, jobIds[0], 'success');
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ result: 'success', session_tag: 1 });
        const doc = await sessionDoc(identity, sessionId);
        expect(doc).toMatchObject({
          status: 'running',
          result: '',
          time_end: -1,
          jobs: {
            [jobIds[0]]: { status: 'completed', result: 'success', time_ended: expect.any(Number) },
            [jobIds[1]]: { status: 'running', result: '' },
          },
        });
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(6);

        await expect(end(identity, sessionId, jobIds[1], 'success')).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 1 } });
        const done = await sessionDoc(identity, sessionId);
        expect(done).toMatchObject({ status: 'completed', result: 'success', time_end: expect.any(Number) });
        expect(done.time_end as number).toBeGreaterThanOrEqual(done.time_start as number);
      });

      it.each([['fail'], ['aborted']])(
        'completes with fail when a member ended %s, whichever member ends first (D12, §14 #21)',
        async (bad) => {
          for (const failingFirst of [true, false]) {
            const identity = newIdentity();
            const { sessionId, jobIds } = await sessionWithMembers(identity, 2, buildSessionDoc({ hold_off: 3600 }));
            await start(identity, sessionId, jobIds[0], 0);
            await start(identity, sessionId, jobIds[1], 0);
            const order = failingFirst ? [[jobIds[0], bad], [jobIds[1], 'success']] : [[jobIds[0], 'success'], [jobIds[1], bad]];
            await expect(end(identity, sessionId, order[0][0], order[0][1])).resolves.toMatchObject({ status: 202 });
            await expect(sessionDoc(identity, sessionId)).resolves.toMatchObject({ status: 'running', result: '' });
            await expect(end(identity, sessionId, order[1][0], order[1][1])).resolves.toMatchObject({ status: 202 });
            await expect(sessionDoc(identity, sessionId)).resolves.toMatchObject({ status: 'completed', result: 'fail' });
          }
        },
      );

      it('does not complete a completed session again, but records the member\'s end', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        await start(identity, sessionId, jobIds[0], 0);
        await end(identity, sessionId, jobIds[0], 'fail');
        const done = await sessionDoc(identity, sessionId);
        expect(done).toMatchObject({ status: 'completed', result: 'fail' });
        await expect(end(identity, sessionId, jobIds[0], 'success')).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 1 } });
        const after = await sessionDoc(identity, sessionId);
        expect(after).toEqual({
          ...done,
          jobs: { [jobIds[0]]: { ...(done.jobs as Members)[jobIds[0]], result: 'success', time_ended: expect.any(Number) } },
        });
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(5);
      });

      it('starts a new run after a completed one, clearing the result', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1, buildSessionDoc({ hold_off: -1 }));
        await start(identity, sessionId, jobIds[0], 0);
        await end(identity, sessionId, jobIds[0], 'fail');
        await expect(start(identity, sessionId, jobIds[0], 1)).resolves.toMatchObject({ status: 202, body: { result: 'success', session_tag: 2 } });
        await expect(sessionDoc(identity, sessionId)).resolves.toMatchObject({
          status: 'running',
          result: '',
          session_tag: 2,
          jobs: { [jobIds[0]]: { status: 'running', result: '' } },
        });
      });

      it('answers 404 for a missing or another user\'s session (§14 #22)', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        const stranger = newIdentity();
        for (const body of [{ start: { job_id: jobIds[0], current_tag: 0 } }, { end: { job_id: jobIds[0], result: 'success' } }]) {
          const missing = await sessionAction(identity, '0'.repeat(32), body);
          expect(missing.status).toBe(404);
          expect(missing.body).toEqual(notFound('0'.repeat(32)));
          const foreign = await sessionAction(stranger, sessionId, body);
          expect(foreign.status).toBe(404);
          expect(foreign.body).toEqual(notFound(sessionId));
        }
        // -1 was out-of-sync on REF's empty document
        await expect(start(identity, '0'.repeat(32), jobIds[0], -1)).resolves.toMatchObject({ status: 404 });
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(2);
      });

      it.each([
        ['no body', undefined, 'Bad action request format'],
        ['an empty object', {}, 'Bad action request format'],
        ['a list', [{ start: {} }], 'Bad action request format'],
        ['start without current_tag', { start: { job_id: 'j' } }, undefined],
        ['start with a word for current_tag', { start: { job_id: 'j', current_tag: 'abc' } }, undefined],
        ['start without job_id', { start: { current_tag: 0 } }, undefined],
        ['start parameters that are not an object', { start: 'j' }, undefined],
        ['end without result', { end: { job_id: 'j', current_tag: 0 } }, undefined],
        ['end parameters that are null', { end: null }, undefined],
      ])('answers 400 for %s', async (_name, body, description) => {
        const identity = newIdentity();
        const sessionId = await createSession(identity);
        const res = await sessionAction(identity, sessionId, body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(description));
        await expect(sessionVersion(identity, sessionId)).resolves.toBe(1);
      });

      it('answers 405 Bad Method with an Allow header for an unknown action', async () => {
        const identity = newIdentity();
        const { sessionId, jobIds } = await sessionWithMembers(identity, 1);
        const res = await sessionAction(identity, sessionId, { restart: { job_id: jobIds[0], current_tag: 0 } });
        expect(res.status).toBe(405);
        expect(res.body).toEqual({ title: 'Bad Method', description: 'Bad Action Method' });
        expect(res.headers.allow).toBe('POST');
      });
    });
  }
});
