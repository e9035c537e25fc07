// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildActionDoc } from '../factories/action.factory.js';
import { buildJobAction, buildJobDoc } from '../factories/job.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

const HEX_ID = /^[0-9a-f]{32}$/;
const ID_MISMATCH = (value: string) => `'${value}' does not match '^[\\\\w-]+$'`;
const INTERVAL_MISMATCH = (value: string) => `'${value}' does not match '^(continuous|(\\\\d+ +(weeks|days|hours|minutes|seconds)))$'`;
const EVENTS = "['', 'stop', 'start', 'abort', 'remove']";
const STATUSES = "['', 'completed', 'stop', 'scheduled', 'running', 'aborting', 'removed']";

type Doc = Record<string, unknown>;
type Schedule = Record<string, unknown>;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

// Both APIs serve the same handlers; only the prefix, the scoping and DELETE of a missing id differ.
interface Api {
  name: 'v1' | 'v2';
  route: string;
  jobs(identity: Identity): string;
  actions(identity: Identity): string;
}
const APIS: Api[] = [
  {
    name: 'v2',
    route: '/v2/:project_id/jobs',
    jobs: (identity) => `/v2/${identity.projectId}/jobs`,
    actions: (identity) => `/v2/${identity.projectId}/actions`,
  },
  { name: 'v1', route: '/v1/jobs', jobs: () => '/v1/jobs', actions: () => '/v1/actions' },
];

describe('jobs', () => {
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
    const jobsUrl = api.jobs;

    async function createJob(identity: Identity, body: Doc = buildJobDoc()): Promise<string> {
      const res = await request(server).post(jobsUrl(identity)).set(identityHeaders(identity)).send(body);
      expect(res.status).toBe(201);
      return res.body.job_id as string;
    }

    function getJob(identity: Identity, jobId: string) {
      return request(server).get(`${jobsUrl(identity)}/${jobId}`).set(identityHeaders(identity));
    }

    async function jobDoc(identity: Identity, jobId: string): Promise<Doc> {
      const res = await getJob(identity, jobId);
      expect(res.status).toBe(200);
      return res.body as Doc;
    }

    async function listJobs(identity: Identity, query = '', search?: object): Promise<Doc[]> {
      const req = request(server).get(`${jobsUrl(identity)}${query}`).set(identityHeaders(identity));
      const res = search === undefined ? await req : await req.send(search);
      expect(res.status).toBe(200);
      return res.body.jobs as Doc[];
    }

    async function listActions(identity: Identity): Promise<Doc[]> {
      const res = await request(server).get(`${api.actions(identity)}?limit=1000`).set(identityHeaders(identity));
      expect(res.status).toBe(200);
      return res.body.actions as Doc[];
    }

    function patchJob(identity: Identity, jobId: string, body: unknown, headers: Record<string, string> = {}) {
      return request(server)
        .patch(`${jobsUrl(identity)}/${jobId}`)
        .set({ ...identityHeaders(identity), ...headers })
        .send(body as object);
    }

    function sendEvent(identity: Identity, jobId: string, body?: unknown) {
      const req = request(server).post(`${jobsUrl(identity)}/${jobId}/event`).set(identityHeaders(identity));
      return body === undefined ? req : req.send(body as object);
    }

    // An embedded action as the stored job carries it: the element plus the server's fields.
    function embedded(identity: Identity, element: unknown, actionId: unknown = expect.stringMatching(HEX_ID)): Doc {
      return { ...(element as Doc), action_id: actionId, user_id: identity.userId, project_id: identity.projectId };
    }

    // The document GET returns after a create of `body` (§8.1, §8.3).
    function created(identity: Identity, jobId: string, body: Doc): Doc {
      return {
        description: '',
        session_id: '',
        session_tag: 0,
        ...body,
        job_schedule: { ...(body.job_schedule as Schedule | undefined), time_created: expect.any(Number), time_started: -1, time_ended: -1 },
        job_actions: (body.job_actions as Doc[]).map((element) => embedded(identity, element)),
        job_id: jobId,
        user_id: identity.userId,
        project_id: identity.projectId,
      };
    }

    describe(`POST ${api.route}`, () => {
      it('answers 201 {job_id} and ignores a body job_id and user_id (tempest posts "blabla")', async () => {
        const identity = newIdentity();
        const body = buildJobDoc();
        const res = await request(server)
          .post(jobsUrl(identity))
          .set(identityHeaders(identity))
          .send({ ...body, job_id: 'blabla', user_id: 'blabla', project_id: 'blabla', _version: 3 });
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ job_id: expect.stringMatching(HEX_ID) });
        await expect(jobDoc(identity, res.body.job_id)).resolves.toEqual(created(identity, res.body.job_id, body));
        await expect(getJob(identity, 'blabla')).resolves.toMatchObject({ status: 404 });
      });

      it('sets time_created to now and time_started/time_ended to -1 over client values, keeping event, status, result and schedule_*', async () => {
        const identity = newIdentity();
        const schedule = {
          time_created: 1,
          time_started: 2,
          time_ended: 3,
          current_pid: 4321,
          event: 'start',
          status: 'scheduled',
          result: 'success',
          schedule_interval: 'continuous',
          schedule_date: '2030-05-01T10:00:00Z',
          schedule_start_date: '2030-05-01T10:00:00.250+02:00',
          schedule_end_date: '2031-05-01T10:00:00',
          schedule_year: '2030',
          schedule_month: '1-6, 9-12',
          schedule_day: '1',
          schedule_week: '*',
          schedule_day_of_week: 'mon,wed',
          schedule_hour: '3',
          schedule_minute: '30',
          schedule_second: '0',
        };
        const before = nowSeconds();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: schedule }));
        const after = nowSeconds();
        const doc = await jobDoc(identity, jobId);
        expect(doc.job_schedule).toEqual({ ...schedule, time_created: expect.any(Number), time_started: -1, time_ended: -1 });
        const timeCreated = (doc.job_schedule as Schedule).time_created as number;
        expect(timeCreated).toBeGreaterThanOrEqual(before);
        expect(timeCreated).toBeLessThanOrEqual(after);
      });

      it('fills description "", session_id "", session_tag 0 and an empty job_schedule with its times (§8.1)', async () => {
        const identity = newIdentity();
        const element = buildJobAction();
        const jobId = await createJob(identity, { client_id: 'padawan-ccp-c1-m1-mgmt', job_actions: [element] });
        await expect(jobDoc(identity, jobId)).resolves.toEqual({
          job_id: jobId,
          user_id: identity.userId,
          project_id: identity.projectId,
          client_id: 'padawan-ccp-c1-m1-mgmt',
          description: '',
          session_id: '',
          session_tag: 0,
          job_schedule: { time_created: expect.any(Number), time_started: -1, time_ended: -1 },
          job_actions: [embedded(identity, element)],
        });
      });

      it('accepts an empty job_actions list and keeps session fields the client gives', async () => {
        const identity = newIdentity();
        const body = buildJobDoc({ job_actions: [], session_id: 'sess-1', session_tag: 3, session_name: 'nightly' });
        const jobId = await createJob(identity, body);
        await expect(jobDoc(identity, jobId)).resolves.toEqual(created(identity, jobId, body));
      });

      it.each([
        '752d41af_szaher',
        'padawan-ccp-c1-m1-mgmt',
        '01b0f00a-4ce2-11e6-beb8-9e71128cae77_myhost.mydomain.mytld',
        'a_b_host',
      ])('accepts the client_id %s (§8.2.4)', async (clientId) => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ client_id: clientId }));
        await expect(jobDoc(identity, jobId)).resolves.toMatchObject({ client_id: clientId });
      });

      it('writes action_id, user_id and project_id into each embedded action, which appear in GET /actions (§8.4)', async () => {
        const identity = newIdentity();
        const elements = [buildJobAction(), buildJobAction({ action: 'restore', restore_abs_path: '/tmp/r' }, { mandatory: true })];
        const jobId = await createJob(identity, buildJobDoc({ job_actions: elements }));
        const doc = await jobDoc(identity, jobId);
        expect(doc.job_actions).toEqual(elements.map((element) => embedded(identity, element)));
        const ids = (doc.job_actions as Doc[]).map((element) => element.action_id);
        expect(new Set(ids).size).toBe(2);
        await expect(listActions(identity)).resolves.toEqual(
          elements.map((element, i) => ({ ...element, action_id: ids[i], user_id: identity.userId, project_id: identity.projectId })),
        );
      });

      it('reuses an action named by action_id when its freezer_action is equal, and creates one with an unknown action_id', async () => {
        const identity = newIdentity();
        const action = buildActionDoc({ action_id: 'existing-action' });
        await request(server).post(api.actions(identity)).set(identityHeaders(identity)).send(action);
        const reused = { action_id: 'existing-action', freezer_action: action.freezer_action };
        const fresh = buildJobAction({}, { action_id: 'brand-new-action' });
        const jobId = await createJob(identity, buildJobDoc({ job_actions: [reused, fresh] }));
        const doc = await jobDoc(identity, jobId);
        expect(doc.job_actions).toEqual([embedded(identity, reused, 'existing-action'), embedded(identity, fresh, 'brand-new-action')]);
        const actions = await listActions(identity);
        expect(actions.map((doc) => doc.action_id)).toEqual(['existing-action', 'brand-new-action']);
        expect(actions[0]).toMatchObject({ max_retries: 3, max_retries_interval: 30 });
      });

      it('gives an embedded action that differs from the stored one of the same id a new id, leaving the stored one alone (§14 #4)', async () => {
        const identity = newIdentity();
        const action = buildActionDoc({ action_id: 'kept-action' });
        await request(server).post(api.actions(identity)).set(identityHeaders(identity)).send(action);
        const edited = { action_id: 'kept-action', freezer_action: { ...(action.freezer_action as Doc), backup_name: 'edited' } };
        const jobId = await createJob(identity, buildJobDoc({ job_actions: [edited] }));
        const doc = await jobDoc(identity, jobId);
        const newId = (doc.job_actions as Doc[])[0].action_id;
        expect(newId).toMatch(HEX_ID);
        expect(doc.job_actions).toEqual([embedded(identity, edited, newId)]);
        const actions = await listActions(identity);
        expect(actions).toEqual([
          { mandatory: false, ...action, user_id: identity.userId, project_id: identity.projectId },
          { max_retries: 5, max_retries_interval: 6, mandatory: false, ...edited, action_id: newId, user_id: identity.userId, project_id: identity.projectId },
        ]);
      });

      it('expands action_defaults into missing or null freezer_action keys only, and does not store it (§8.5)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(
          identity,
          buildJobDoc({
            action_defaults: { storage: 'local', container: 'defaults', log_file: '/var/log/freezer.log' },
            job_actions: [
              { freezer_action: { action: 'backup', storage: 'swift' }, max_retries: 1 },
              { freezer_action: { action: 'restore', storage: null, container: 'mine' } },
            ],
          }),
        );
        const doc = await jobDoc(identity, jobId);
        expect(doc).not.toHaveProperty('action_defaults');
        expect((doc.job_actions as Doc[]).map((element) => element.freezer_action)).toEqual([
          { action: 'backup', storage: 'swift', container: 'defaults', log_file: '/var/log/freezer.log' },
          { action: 'restore', storage: 'local', container: 'mine', log_file: '/var/log/freezer.log' },
        ]);
        expect(doc.job_actions).toEqual([
          expect.objectContaining({ max_retries: 1 }),
          expect.not.objectContaining({ max_retries: expect.anything() }),
        ]);
        const actions = await listActions(identity);
        expect(actions.map((action) => action.freezer_action)).toEqual((doc.job_actions as Doc[]).map((element) => element.freezer_action));
      });

      it.each([
        ['a string', 'storage=local'],
        ['a list', [{ storage: 'local' }]],
        ['null', null],
      ])('answers 400 "action_defaults shouldbe a dictionary" when it is %s', async (_what, defaults) => {
        const identity = newIdentity();
        const res = await request(server)
          .post(jobsUrl(identity))
          .set(identityHeaders(identity))
          .send(buildJobDoc({ action_defaults: defaults }));
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest('action_defaults shouldbe a dictionary'));
        await expect(listJobs(identity)).resolves.toEqual([]);
      });

      it('answers 400 for action_defaults without job_actions or with an element lacking freezer_action', async () => {
        const identity = newIdentity();
        const { job_actions: _dropped, ...withoutActions } = buildJobDoc({ action_defaults: { storage: 'local' } });
        const noActions = await request(server).post(jobsUrl(identity)).set(identityHeaders(identity)).send(withoutActions);
        expect(noActions.status).toBe(400);
        expect(noActions.body).toEqual(expectedErrors.badRequest());
        const noFreezerAction = await request(server)
          .post(jobsUrl(identity))
          .set(identityHeaders(identity))
          .send(buildJobDoc({ action_defaults: { storage: 'local' }, job_actions: [{ max_retries: 1 }] }));
        expect(noFreezerAction.status).toBe(400);
        expect(noFreezerAction.body).toEqual(expectedErrors.badRequest());
      });

      it.each([
        ['job_actions is missing', (body: Doc) => ({ ...body, job_actions: undefined }), "'job_actions' is a required property"],
        ['client_id is missing', (body: Doc) => ({ ...body, client_id: undefined }), "'client_id' is a required property"],
        ['job_actions is an object (§14 #25)', (body: Doc) => ({ ...body, job_actions: { freezer_action: { action: 'backup' } } }), "{'freezer_action': {'action': 'backup'}} is not of type 'array'"],
        ['job_actions is a string (§14 #25)', (body: Doc) => ({ ...body, job_actions: 'backup' }), "'backup' is not of type 'array'"],
        ['an element has no freezer_action', (body: Doc) => ({ ...body, job_actions: [{ max_retries: 1 }] }), "'freezer_action' is a required property"],
        ['an element is not an object', (body: Doc) => ({ ...body, job_actions: ['backup'] }), "'backup' is not of type 'object'"],
        ['an embedded freezer_action.mode has a space', (body: Doc) => ({ ...body, job_actions: [buildJobAction({ mode: 'a b' })] }), ID_MISMATCH('a b')],
        ['an embedded max_retries is a string', (body: Doc) => ({ ...body, job_actions: [buildJobAction({}, { max_retries: 'x' })] }), "'x' is not of type 'integer'"],
        ['there is an extra top-level key', (body: Doc) => ({ ...body, bogus: 1 }), "Additional properties are not allowed ('bogus' was unexpected)"],
        ['job_schedule has an extra key', (body: Doc) => ({ ...body, job_schedule: { schedule_interval: '1 days', retries: 1 } }), "Additional properties are not allowed ('retries' was unexpected)"],
        ['job_schedule is a string', (body: Doc) => ({ ...body, job_schedule: 'daily' }), "'daily' is not of type 'object'"],
        ['schedule_interval is "every day"', (body: Doc) => ({ ...body, job_schedule: { schedule_interval: 'every day' } }), INTERVAL_MISMATCH('every day')],
        ['schedule_interval is singular', (body: Doc) => ({ ...body, job_schedule: { schedule_interval: '1 day' } }), INTERVAL_MISMATCH('1 day')],
        ['event is not in the enum', (body: Doc) => ({ ...body, job_schedule: { event: 'bogus' } }), `'bogus' is not one of ${EVENTS}`],
        ['status is not in the enum', (body: Doc) => ({ ...body, job_schedule: { status: 'done' } }), `'done' is not one of ${STATUSES}`],
        ['result is not in the enum', (body: Doc) => ({ ...body, job_schedule: { result: 'ok' } }), "'ok' is not one of ['', 'success', 'fail', 'aborted']"],
        ['current_pid is a string', (body: Doc) => ({ ...body, job_schedule: { current_pid: '12' } }), "'12' is not of type 'integer'"],
        ['schedule_year has two digits', (body: Doc) => ({ ...body, job_schedule: { schedule_year: '30' } }), "'30' does not match '^\\\\d{4}$'"],
        ['session_tag is a string', (body: Doc) => ({ ...body, session_tag: 'one' }), "'one' is not of type 'integer'"],
        ['session_id has a space', (body: Doc) => ({ ...body, session_id: 'a b' }), "'a b' does not match '^[\\\\w-]*$'"],
        ['description is a number', (body: Doc) => ({ ...body, description: 7 }), "7 is not of type 'string', 'null'"],
      ])('answers 400 when %s, and stores neither the job nor its actions', async (_what, edit, description) => {
        const identity = newIdentity();
        const res = await request(server).post(jobsUrl(identity)).set(identityHeaders(identity)).send(edit(buildJobDoc()));
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(description));
        await expect(listJobs(identity)).resolves.toEqual([]);
        await expect(listActions(identity)).resolves.toEqual([]);
      });

      it.each([
        ['bad%project$id_host.domain.tld', /^'bad%project\$id_host\.domain\.tld' does not match '\^/],
        ['752d41af_bad_hostname.bad/domain.b', /^'752d41af_bad_hostname\.bad\/domain\.b' does not match '\^/],
      ])('answers 400 for the client_id %s (tempest), naming the pattern', async (clientId, description) => {
        const identity = newIdentity();
        const res = await request(server).post(jobsUrl(identity)).set(identityHeaders(identity)).send(buildJobDoc({ client_id: clientId }));
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(expect.stringMatching(description) as unknown as string));
      });

      it.each(['tomorrow', '2030-13-01T00:00:00', '2030-01-01 03:00:00', '2030-01-01T03:00:00+2'])(
        'answers 400 for the schedule_date %s, naming the ISO-8601 pattern',
        async (date) => {
          const identity = newIdentity();
          const res = await request(server)
            .post(jobsUrl(identity))
            .set(identityHeaders(identity))
            .send(buildJobDoc({ job_schedule: { schedule_date: date } }));
          expect(res.status).toBe(400);
          expect(res.body).toEqual(expectedErrors.badRequest(`'${date}' does not match '^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12][0-9])T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\\\\.[0-9]+)?(Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?$'`));
        },
      );

      it('answers 400 with a required-property message for no body at all (§8.3 step 1)', async () => {
        const identity = newIdentity();
        const res = await request(server).post(jobsUrl(identity)).set(identityHeaders(identity));
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest("'job_actions' is a required property"));
      });

      it('answers 400 for a body that is not an object', async () => {
        const identity = newIdentity();
        const res = await request(server).post(jobsUrl(identity)).set(identityHeaders(identity)).send([buildJobDoc()]);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest());
      });

      it('leaves no orphan action when a job with valid actions is rejected (§14 #5)', async () => {
        const identity = newIdentity();
        await request(server).post(api.actions(identity)).set(identityHeaders(identity)).send(buildActionDoc());
        const before = await listActions(identity);
        expect(before).toHaveLength(1);
        const rejected = [
          buildJobDoc({ job_actions: [buildJobAction(), buildJobAction()], bogus: true }),
          buildJobDoc({ job_actions: [buildJobAction(), buildJobAction({ mode: 'a b' })] }),
          buildJobDoc({ job_actions: [buildJobAction({}, { action_id: 'would-be-new' })], job_schedule: { event: 'later' } }),
          buildJobDoc({ job_actions: [buildJobAction()], client_id: 'bad%project$id_host.domain.tld' }),
        ];
        for (const body of rejected) {
          const res = await request(server).post(jobsUrl(identity)).set(identityHeaders(identity)).send(body);
          expect(res.status).toBe(400);
        }
        await expect(listActions(identity)).resolves.toEqual(before);
        await expect(listJobs(identity)).resolves.toEqual([]);
      });
    });

    describe(`GET ${api.route}/:job_id`, () => {
      it('returns the stored document with ETag "1" and no _version (§8.11)', async () => {
        const identity = newIdentity();
        const body = buildJobDoc();
        const jobId = await createJob(identity, body);
        const res = await getJob(identity, jobId);
        expect(res.status).toBe(200);
        expect(res.headers.etag).toBe('"1"');
        expect(res.body).toEqual(created(identity, jobId, body));
        expect(res.body).not.toHaveProperty('_version');
      });

      it('answers 404 JSON for a missing id (§14 #6)', async () => {
        const identity = newIdentity();
        const res = await getJob(identity, 'no-such-job');
        expect(res.status).toBe(404);
        expect(res.body).toEqual(expectedErrors.notFound('No job found with ID no-such-job'));
      });
    });

    describe(`GET ${api.route}`, () => {
      it('answers {"jobs": []} when the caller has none', async () => {
        await expect(listJobs(newIdentity())).resolves.toEqual([]);
      });

      it('lists the caller\'s jobs in creation order, exactly as GET returns them', async () => {
        const identity = newIdentity();
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push(await createJob(identity));
        const listed = await listJobs(identity);
        expect(listed.map((doc) => doc.job_id)).toEqual(ids);
        for (const [i, doc] of listed.entries()) await expect(jobDoc(identity, ids[i])).resolves.toEqual(doc);
      });

      it('answers the scheduler\'s poll: its client\'s jobs that are not completed, 10 per page (§9.2)', async () => {
        const identity = newIdentity();
        const mine = `${identity.projectId}_node1.example.com`;
        const other = `${identity.projectId}_node2.example.com`;
        const active: string[] = [];
        for (let i = 0; i < 12; i++) {
          const status = ['', 'scheduled', 'running', 'stop'][i % 4];
          active.push(await createJob(identity, buildJobDoc({ client_id: mine, job_schedule: { status, event: '' } })));
          if (i === 5) await createJob(identity, buildJobDoc({ client_id: mine, job_schedule: { status: 'completed', result: 'success' } }));
        }
        await createJob(identity, buildJobDoc({ client_id: other }));
        const poll = { match_not: [{ status: 'completed' }], match: [{ client_id: mine }] };
        const page1 = await listJobs(identity, '/?limit=10&offset=0', poll);
        const page2 = await listJobs(identity, '/?limit=10&offset=10', poll);
        const page3 = await listJobs(identity, '/?limit=10&offset=20', poll);
        expect(page1).toHaveLength(10);
        expect([...page1, ...page2].map((doc) => doc.job_id)).toEqual(active);
        expect(page3).toEqual([]);
      });

      it('brings a completed job back into the poll after a start event (§9.2)', async () => {
        const identity = newIdentity();
        const client = `${identity.projectId}_node1.example.com`;
        const jobId = await createJob(identity, buildJobDoc({ client_id: client, job_schedule: { status: 'completed', result: 'fail' } }));
        const poll = { match_not: [{ status: 'completed' }], match: [{ client_id: client }] };
        await expect(listJobs(identity, '/?limit=10&offset=0', poll)).resolves.toEqual([]);
        await expect(sendEvent(identity, jobId, { start: null })).resolves.toMatchObject({ status: 202 });
        const polled = await listJobs(identity, '/?limit=10&offset=0', poll);
        expect(polled.map((doc) => doc.job_id)).toEqual([jobId]);
        expect(polled[0].job_schedule).toMatchObject({ event: 'start', status: '', result: '' });
      });

      it('accepts ?client_id= as a shorthand for a match on client_id, combined with the body', async () => {
        const identity = newIdentity();
        const a = await createJob(identity, buildJobDoc({ client_id: 'host-a' }));
        const aDone = await createJob(identity, buildJobDoc({ client_id: 'host-a', job_schedule: { status: 'completed' } }));
        await createJob(identity, buildJobDoc({ client_id: 'host-b' }));
        const ids = (docs: Doc[]) => docs.map((doc) => doc.job_id);
        await expect(listJobs(identity, '?client_id=host-a').then(ids)).resolves.toEqual([a, aDone]);
        await expect(listJobs(identity, '?client_id=host-a', { match_not: [{ status: 'completed' }] }).then(ids)).resolves.toEqual([a]);
        await expect(listJobs(identity, '?client_id=host-c')).resolves.toEqual([]);
      });

      it('searches the description with _all, case-insensitively, and the schedule by bare or dotted key', async () => {
        const identity = newIdentity();
        const nightly = await createJob(identity, buildJobDoc({ description: 'Nightly backup of /etc', job_schedule: { event: 'start' } }));
        const weekly = await createJob(identity, buildJobDoc({ description: 'weekly mysql dump', job_schedule: { event: 'stop' } }));
        const ids = (docs: Doc[]) => docs.map((doc) => doc.job_id);
        await expect(listJobs(identity, '', { match: [{ _all: 'nightly BACKUP' }] }).then(ids)).resolves.toEqual([nightly]);
        await expect(listJobs(identity, '', { match: [{ _all: 'mysql' }] }).then(ids)).resolves.toEqual([weekly]);
        await expect(listJobs(identity, '', { match: [{ event: 'stop' }] }).then(ids)).resolves.toEqual([weekly]);
        await expect(listJobs(identity, '', { match: [{ 'job_schedule.event': 'start' }] }).then(ids)).resolves.toEqual([nightly]);
        await expect(listJobs(identity, '', { match: [{ _all: 'no such words' }] })).resolves.toEqual([]);
      });

      it('answers 400 for a malformed search body and a bad offset', async () => {
        const identity = newIdentity();
        const bad = await request(server).get(jobsUrl(identity)).set(identityHeaders(identity)).send({ match_not: 'completed' });
        expect(bad.status).toBe(400);
        expect(bad.body).toEqual(expectedErrors.badRequest());
        const offset = await request(server).get(`${jobsUrl(identity)}?offset=-1`).set(identityHeaders(identity));
        expect(offset.status).toBe(400);
        expect(offset.body).toEqual(expectedErrors.invalidParameter('offset'));
      });
    });

    describe(`PATCH ${api.route}/:job_id`, () => {
      it('merges a partial job_schedule and keeps event, status, result and the other keys (D7, §14 #1)', async () => {
        const identity = newIdentity();
        const body = buildJobDoc({
          job_schedule: { event: 'stop', status: 'scheduled', result: 'success', schedule_interval: '1 days', schedule_start_date: '2030-01-01T03:00:00', current_pid: 77 },
        });
        const jobId = await createJob(identity, body);
        const before = await jobDoc(identity, jobId);
        const res = await patchJob(identity, jobId, { job_schedule: { schedule_interval: '2 hours' } });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ job_id: jobId, version: 2 });
        const got = await getJob(identity, jobId);
        expect(got.headers.etag).toBe('"2"');
        expect(got.body).toEqual({ ...before, job_schedule: { ...(before.job_schedule as Schedule), schedule_interval: '2 hours' } });
      });

      it('keeps the schedule and the actions when the body has neither (§14 #1)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const before = await jobDoc(identity, jobId);
        await expect(patchJob(identity, jobId, { description: 'renamed', session_tag: 2 })).resolves.toMatchObject({ status: 200 });
        await expect(jobDoc(identity, jobId)).resolves.toEqual({ ...before, description: 'renamed', session_tag: 2 });
      });

      it('stores an event sent through PATCH as it is, without touching status or result (§8.7)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { event: 'stop', status: 'completed', result: 'fail' } }));
        for (const event of ['start', 'remove', '']) {
          await expect(patchJob(identity, jobId, { job_schedule: { event } })).resolves.toMatchObject({ status: 200 });
          const doc = await jobDoc(identity, jobId);
          expect(doc.job_schedule).toMatchObject({ event, status: 'completed', result: 'fail' });
        }
      });

      it('ignores project_id, user_id, job_id and _version in the body: the job does not move (§14 #2)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const before = await jobDoc(identity, jobId);
        const elsewhere = newIdentity({ userId: identity.userId });
        const res = await patchJob(identity, jobId, {
          project_id: elsewhere.projectId,
          user_id: 'someone-else',
          job_id: 'renamed-job',
          _version: 99,
          description: 'patched',
        });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ job_id: jobId, version: 2 });
        await expect(jobDoc(identity, jobId)).resolves.toEqual({ ...before, description: 'patched' });
        await expect(getJob(identity, 'renamed-job')).resolves.toMatchObject({ status: 404 });
        const moved = await request(server).get(`/v2/${elsewhere.projectId}/jobs`).set(identityHeaders(elsewhere));
        expect(moved.body).toEqual({ jobs: [] });
      });

      it('accepts the whole GET document back with the scheduler\'s changes, making no new action (§9.3, §14 #3)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { schedule_interval: '1 days', event: '' } }));
        const actionsBefore = await listActions(identity);
        const doc = await jobDoc(identity, jobId);
        const scheduled = { ...doc, job_schedule: { ...(doc.job_schedule as Schedule), event: '', status: 'scheduled' }, _version: 1 };
        const res = await patchJob(identity, jobId, scheduled);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ job_id: jobId, version: 2 });
        const { _version: _ignored, ...expected } = scheduled;
        await expect(jobDoc(identity, jobId)).resolves.toEqual(expected);
        await expect(listActions(identity)).resolves.toEqual(actionsBefore);
      });

      it('follows a whole scheduler run: running, current_pid, then scheduled with a result (§9.3)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { schedule_interval: '1 days', event: '', status: 'scheduled' } }));
        const polled = (await listJobs(identity, '/?limit=10&offset=0', { match: [{ job_id: jobId }] }))[0];
        const schedule = polled.job_schedule as Schedule;
        const start = 1_900_000_000;
        const steps: Array<[object, Schedule]> = [
          [{ job_schedule: { ...schedule, status: 'running', result: '', time_started: start, time_ended: -1 } }, { status: 'running', result: '', time_started: start }],
          [{ ...polled, job_schedule: { ...schedule, status: 'running', time_started: start, current_pid: 4242 } }, { current_pid: 4242 }],
          [{ job_schedule: { status: 'scheduled', result: 'success', time_ended: start + 60 } }, { status: 'scheduled', result: 'success', time_ended: start + 60 }],
        ];
        for (const [i, [body, expected]] of steps.entries()) {
          await expect(patchJob(identity, jobId, body)).resolves.toMatchObject({ status: 200, body: { job_id: jobId, version: i + 2 } });
          const doc = await jobDoc(identity, jobId);
          expect(doc.job_schedule).toMatchObject(expected);
        }
        await expect(jobDoc(identity, jobId)).resolves.toMatchObject({
          job_schedule: { schedule_interval: '1 days', event: '', status: 'scheduled', result: 'success', current_pid: 4242, time_started: start },
        });
      });

      it('gives an embedded action whose freezer_action was edited a NEW action id, the old action unchanged (§14 #4)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const doc = await jobDoc(identity, jobId);
        const [element] = doc.job_actions as Doc[];
        const oldId = element.action_id as string;
        const oldAction = (await listActions(identity))[0];
        const edited = { ...element, freezer_action: { ...(element.freezer_action as Doc), backup_name: 'edited-in-job' } };
        const res = await patchJob(identity, jobId, { job_actions: [edited] });
        expect(res.status).toBe(200);
        const after = await jobDoc(identity, jobId);
        const newId = (after.job_actions as Doc[])[0].action_id as string;
        expect(newId).toMatch(HEX_ID);
        expect(newId).not.toBe(oldId);
        expect(after.job_actions).toEqual([{ ...edited, action_id: newId }]);
        const actions = await listActions(identity);
        expect(actions).toEqual([oldAction, expect.objectContaining({ action_id: newId, freezer_action: edited.freezer_action })]);
        const old = await request(server).get(`${api.actions(identity)}/${oldId}`).set(identityHeaders(identity));
        expect(old.headers.etag).toBe('"1"');
      });

      it('keeps the scheduler\'s write-back working after the user edited the action in /actions (§14 #9)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const doc = await jobDoc(identity, jobId);
        const actionId = (doc.job_actions as Doc[])[0].action_id as string;
        await request(server)
          .patch(`${api.actions(identity)}/${actionId}`)
          .set(identityHeaders(identity))
          .send({ freezer_action: { backup_name: 'edited-in-actions' } });
        const writeBack = { ...doc, job_schedule: { ...(doc.job_schedule as Schedule), status: 'completed', result: 'success' } };
        const res = await patchJob(identity, jobId, writeBack);
        expect(res.status).toBe(200);
        const after = await jobDoc(identity, jobId);
        expect(after.job_schedule).toMatchObject({ status: 'completed', result: 'success' });
        // the job keeps its own copy (§8.4); the edited action is untouched
        expect((after.job_actions as Doc[])[0].freezer_action).toEqual((doc.job_actions as Doc[])[0].freezer_action);
        const edited = await request(server).get(`${api.actions(identity)}/${actionId}`).set(identityHeaders(identity));
        expect(edited.body.freezer_action.backup_name).toBe('edited-in-actions');
      });

      it('replaces job_actions as a list, syncing the new elements into /actions', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_actions: [buildJobAction(), buildJobAction()] }));
        const element = buildJobAction({ action: 'info' });
        await expect(patchJob(identity, jobId, { job_actions: [element] })).resolves.toMatchObject({ status: 200 });
        const doc = await jobDoc(identity, jobId);
        expect(doc.job_actions).toEqual([embedded(identity, element)]);
        await expect(listActions(identity)).resolves.toHaveLength(3);
      });

      it('expands action_defaults over the body\'s job_actions (§8.5)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const res = await patchJob(identity, jobId, { action_defaults: { storage: 'ssh', ssh_port: 22 }, job_actions: [{ freezer_action: { action: 'backup' } }] });
        expect(res.status).toBe(200);
        const doc = await jobDoc(identity, jobId);
        expect(doc).not.toHaveProperty('action_defaults');
        expect((doc.job_actions as Doc[])[0].freezer_action).toEqual({ action: 'backup', storage: 'ssh', ssh_port: 22 });
      });

      it('applies racing PATCHes and an event atomically: no update is lost (D7)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { event: '', status: 'scheduled', schedule_interval: '1 days' } }));
        const results = await Promise.all([
          patchJob(identity, jobId, { description: 'edited' }),
          patchJob(identity, jobId, { job_schedule: { status: 'running' } }),
          patchJob(identity, jobId, { job_schedule: { schedule_interval: '3 hours' } }),
          patchJob(identity, jobId, { job_schedule: { current_pid: 99 } }),
          patchJob(identity, jobId, { session_tag: 5 }),
          sendEvent(identity, jobId, { stop: null }),
        ]);
        expect(results.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 202]);
        const versions = results.slice(0, 5).map((res) => res.body.version as number);
        expect(new Set(versions).size).toBe(5);
        for (const version of versions) expect([2, 3, 4, 5, 6, 7]).toContain(version);
        const got = await getJob(identity, jobId);
        expect(got.headers.etag).toBe('"7"');
        expect(got.body).toMatchObject({
          description: 'edited',
          session_tag: 5,
          job_schedule: { event: 'stop', status: 'running', schedule_interval: '3 hours', current_pid: 99 },
        });
      });

      it('lets racing creates embed the same new action_id: each job names an action that exists', async () => {
        const identity = newIdentity();
        const element = buildJobAction({}, { action_id: 'raced-action' });
        const results = await Promise.all([0, 1, 2].map(() => request(server).post(jobsUrl(identity)).set(identityHeaders(identity)).send(buildJobDoc({ job_actions: [element] }))));
        expect(results.map((res) => res.status)).toEqual([201, 201, 201]);
        const embeddedIds: string[] = [];
        for (const res of results) embeddedIds.push(((await jobDoc(identity, res.body.job_id)).job_actions as Doc[])[0].action_id as string);
        expect(embeddedIds).toContain('raced-action');
        const actionIds = (await listActions(identity)).map((action) => action.action_id);
        expect(actionIds).toEqual(expect.arrayContaining(embeddedIds));
        expect(actionIds).toHaveLength(new Set(embeddedIds).size);
      });

      it('counts the version up by one per write, whatever the write', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        await expect(patchJob(identity, jobId, { description: 'a' })).resolves.toMatchObject({ body: { version: 2 } });
        await expect(sendEvent(identity, jobId, { start: null })).resolves.toMatchObject({ status: 202 });
        await expect(patchJob(identity, jobId, { description: 'b' })).resolves.toMatchObject({ body: { version: 4 } });
        const replaced = await request(server).put(`${jobsUrl(identity)}/${jobId}`).set(identityHeaders(identity)).send(buildJobDoc());
        expect(replaced.body).toEqual({ job_id: jobId, version: 5 });
        await expect(patchJob(identity, jobId, { description: 'c' })).resolves.toMatchObject({ body: { job_id: jobId, version: 6 } });
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"6"' } });
      });

      it('keeps the version for a PATCH that changes nothing (D6 counts changes)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        await expect(patchJob(identity, jobId, { description: 'same' })).resolves.toMatchObject({ body: { version: 2 } });
        await expect(patchJob(identity, jobId, { description: 'same' })).resolves.toMatchObject({ status: 200, body: { job_id: jobId, version: 2 } });
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"2"' } });
      });

      it.each([
        [{ bogus: 1 }, "Additional properties are not allowed ('bogus' was unexpected)"],
        [{ job_schedule: { event: 'bogus' } }, `'bogus' is not one of ${EVENTS}`],
        [{ job_schedule: { schedule_interval: 'every day' } }, INTERVAL_MISMATCH('every day')],
        [{ client_id: 'bad%project$id_host.domain.tld' }, expect.stringMatching(/^'bad%project\$id_host\.domain\.tld' does not match /)],
        [{ job_actions: 'backup' }, "'backup' is not of type 'array'"],
        [{ job_actions: [buildJobAction(), { max_retries: 1 }] }, "'freezer_action' is a required property"],
        [{ action_defaults: 'x', job_actions: [] }, 'action_defaults shouldbe a dictionary'],
      ])('answers 400 for %j, changing nothing and making no action', async (body, description) => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const before = await jobDoc(identity, jobId);
        const actionsBefore = await listActions(identity);
        const res = await patchJob(identity, jobId, body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(description as string));
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"1"' }, body: before });
        await expect(listActions(identity)).resolves.toEqual(actionsBefore);
      });

      it('answers 400 for a body that is not an object', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const res = await patchJob(identity, jobId, ['description']);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest());
      });

      it('answers 404 for a missing id', async () => {
        const identity = newIdentity();
        const res = await patchJob(identity, 'no-such-job', { description: 'x' });
        expect(res.status).toBe(404);
        expect(res.body).toEqual(expectedErrors.notFound('No job found with ID no-such-job'));
      });

      it('applies with a matching If-Match and answers 412 with a stale one, changing nothing (D6)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        await expect(patchJob(identity, jobId, { description: 'one' }, { 'If-Match': '"1"' })).resolves.toMatchObject({
          status: 200,
          body: { job_id: jobId, version: 2 },
        });
        const stale = await patchJob(identity, jobId, { description: 'two' }, { 'If-Match': '"1"' });
        expect(stale.status).toBe(412);
        expect(stale.body).toEqual(expectedErrors.preconditionFailed());
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"2"' }, body: { description: 'one' } });
        await expect(patchJob(identity, jobId, { description: 'three' }, { 'If-Match': '*' })).resolves.toMatchObject({ status: 200 });
        await expect(patchJob(identity, 'no-such-job', { description: 'x' }, { 'If-Match': '"1"' })).resolves.toMatchObject({ status: 404 });
      });
    });

    for (const method of ['post', 'put'] as const) {
      describe(`${method.toUpperCase()} ${api.route}/:job_id`, () => {
        function replace(identity: Identity, jobId: string, body: unknown, headers: Record<string, string> = {}) {
          return request(server)
            [method](`${jobsUrl(identity)}/${jobId}`)
            .set({ ...identityHeaders(identity), ...headers })
            .send(body as object);
        }

        it('creates the job with the path id, keeping the client\'s time fields (upsert, D8, §8.8)', async () => {
          const identity = newIdentity();
          const schedule = { time_created: 1_600_000_000, time_started: 1_600_000_100, time_ended: 1_600_000_200, event: 'start', status: 'running', schedule_interval: '6 hours' };
          const body = buildJobDoc({ job_schedule: schedule });
          const res = await replace(identity, 'my-job-1', { ...body, job_id: 'other-id', user_id: 'x', project_id: 'y' });
          expect(res.status).toBe(201);
          expect(res.body).toEqual({ job_id: 'my-job-1', version: 1 });
          const got = await getJob(identity, 'my-job-1');
          expect(got.headers.etag).toBe('"1"');
          expect(got.body).toEqual({ ...created(identity, 'my-job-1', body), job_schedule: schedule });
          await expect(getJob(identity, 'other-id')).resolves.toMatchObject({ status: 404 });
        });

        it('fills the defaults of a new job, with an empty job_schedule and no time fields (§8.8)', async () => {
          const identity = newIdentity();
          const body = { client_id: 'host-a', job_actions: [] };
          await expect(replace(identity, 'bare-job', body)).resolves.toMatchObject({ status: 201 });
          await expect(jobDoc(identity, 'bare-job')).resolves.toEqual({ ...created(identity, 'bare-job', body), job_schedule: {} });
          const scheduled = { client_id: 'host-a', job_actions: [], job_schedule: { event: 'start', schedule_interval: '1 days' } };
          await expect(replace(identity, 'scheduled-job', scheduled)).resolves.toMatchObject({ status: 201 });
          await expect(jobDoc(identity, 'scheduled-job')).resolves.toMatchObject({ job_schedule: scheduled.job_schedule });
        });

        it('replaces the whole existing document: 201 {job_id, version: 2}, old keys and times gone', async () => {
          const identity = newIdentity();
          const jobId = await createJob(identity, buildJobDoc({ description: 'old', session_tag: 4 }));
          const body = { client_id: 'host-b', job_actions: [buildJobAction({ action: 'info' })], job_schedule: { time_created: 5, event: 'stop' } };
          const res = await replace(identity, jobId, body);
          expect(res.status).toBe(201);
          expect(res.body).toEqual({ job_id: jobId, version: 2 });
          await expect(jobDoc(identity, jobId)).resolves.toEqual({
            ...created(identity, jobId, body),
            job_schedule: { time_created: 5, event: 'stop' },
          });
        });

        it('is what fc job-create --file does with a job_id in the file', async () => {
          const identity = newIdentity();
          const body = buildJobDoc({ job_id: 'from-file' });
          await expect(replace(identity, 'from-file', body)).resolves.toMatchObject({ status: 201, body: { job_id: 'from-file', version: 1 } });
          await expect(listJobs(identity)).resolves.toEqual([expect.objectContaining({ job_id: 'from-file' })]);
        });

        it('lets two racing replaces of the same new id both succeed, the last one winning (D8)', async () => {
          const identity = newIdentity();
          const bodies = [buildJobDoc({ description: 'first' }), buildJobDoc({ description: 'second' })];
          const results = await Promise.all(bodies.map((body) => replace(identity, 'raced-job', body)));
          expect(results.map((res) => res.status)).toEqual([201, 201]);
          expect(results.map((res) => res.body.version).sort()).toEqual([1, 2]);
          const winner = bodies[results.findIndex((res) => res.body.version === 2)];
          await expect(getJob(identity, 'raced-job')).resolves.toMatchObject({ headers: { etag: '"2"' }, body: { description: winner.description } });
          await expect(listJobs(identity)).resolves.toHaveLength(1);
        });

        it('answers 400 for the path id "bad id"', async () => {
          const identity = newIdentity();
          const res = await replace(identity, 'bad%20id', buildJobDoc());
          expect(res.status).toBe(400);
          expect(res.body).toEqual(expectedErrors.badRequest(ID_MISMATCH('bad id')));
          await expect(listActions(identity)).resolves.toEqual([]);
        });

        it.each([
          [(body: Doc) => ({ ...body, client_id: undefined }), "'client_id' is a required property"],
          [(body: Doc) => ({ ...body, job_actions: undefined }), "'job_actions' is a required property"],
          [(body: Doc) => ({ ...body, extra: true }), "Additional properties are not allowed ('extra' was unexpected)"],
        ])('validates the full schema (%#) and changes nothing', async (edit, description) => {
          const identity = newIdentity();
          const jobId = await createJob(identity);
          const before = await jobDoc(identity, jobId);
          const res = await replace(identity, jobId, edit(buildJobDoc()));
          expect(res.status).toBe(400);
          expect(res.body).toEqual(expectedErrors.badRequest(description));
          await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"1"' }, body: before });
        });

        it('answers 412 for a stale If-Match and keeps the job', async () => {
          const identity = newIdentity();
          const jobId = await createJob(identity);
          const before = await jobDoc(identity, jobId);
          const res = await replace(identity, jobId, buildJobDoc(), { 'If-Match': '"3"' });
          expect(res.status).toBe(412);
          expect(res.body).toEqual(expectedErrors.preconditionFailed());
          await expect(jobDoc(identity, jobId)).resolves.toEqual(before);
          await expect(replace(identity, jobId, buildJobDoc(), { 'If-Match': '"1"' })).resolves.toMatchObject({ status: 201, body: { version: 2 } });
        });

        it('creates the caller\'s own job when only another user holds the id (D4, §14 #7)', async () => {
          const owner = newIdentity();
          const other = newIdentity({ projectId: owner.projectId });
          const body = buildJobDoc();
          await replace(owner, 'contested', body);
          await expect(replace(other, 'contested', buildJobDoc())).resolves.toMatchObject({ status: 201, body: { job_id: 'contested', version: 1 } });
          await expect(getJob(owner, 'contested')).resolves.toMatchObject({ headers: { etag: '"1"' }, body: { client_id: body.client_id } });
        });
      });
    }

    describe(`POST ${api.route}/:job_id/event`, () => {
      it('start sets event start and resets status and result; a repeat is "start already requested" (§8.10)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { event: 'stop', status: 'completed', result: 'fail', schedule_interval: '1 days', current_pid: 9 } }));
        const before = await jobDoc(identity, jobId);
        const res = await sendEvent(identity, jobId, { start: null });
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ result: 'success' });
        const got = await getJob(identity, jobId);
        expect(got.headers.etag).toBe('"2"');
        expect(got.body).toEqual({ ...before, job_schedule: { ...(before.job_schedule as Schedule), event: 'start', status: '', result: '' } });

        const again = await sendEvent(identity, jobId, { start: { whatever: true } });
        expect(again.status).toBe(202);
        expect(again.body).toEqual({ result: 'start already requested' });
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"2"' }, body: got.body });
      });

      it.each(['stop', 'abort'])('%s sets only the event; a repeat is "already requested"', async (event) => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { event: '', status: 'running', result: 'success' } }));
        const before = await jobDoc(identity, jobId);
        await expect(sendEvent(identity, jobId, { [event]: null })).resolves.toMatchObject({ status: 202, body: { result: 'success' } });
        const after = await jobDoc(identity, jobId);
        expect(after).toEqual({ ...before, job_schedule: { ...(before.job_schedule as Schedule), event } });
        await expect(sendEvent(identity, jobId, { [event]: null })).resolves.toMatchObject({
          status: 202,
          body: { result: `${event} already requested` },
        });
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"2"' } });
      });

      it('remove sets event remove and status removed (D11); start afterwards resets the status', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { event: 'stop', status: 'scheduled', result: 'success' } }));
        await expect(sendEvent(identity, jobId, { remove: null })).resolves.toMatchObject({ status: 202, body: { result: 'success' } });
        await expect(jobDoc(identity, jobId)).resolves.toMatchObject({ job_schedule: { event: 'remove', status: 'removed', result: 'success' } });
        await expect(sendEvent(identity, jobId, { remove: null })).resolves.toMatchObject({ body: { result: 'remove already requested' } });
        await expect(sendEvent(identity, jobId, { start: null })).resolves.toMatchObject({ body: { result: 'success' } });
        const got = await getJob(identity, jobId);
        expect(got.headers.etag).toBe('"3"');
        expect(got.body.job_schedule).toMatchObject({ event: 'start', status: '', result: '' });
      });

      it('goes through every transition, one version per change', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_schedule: { event: '' } }));
        const sequence: Array<[string, string, number]> = [
          ['stop', 'success', 2],
          ['stop', 'stop already requested', 2],
          ['start', 'success', 3],
          ['abort', 'success', 4],
          ['start', 'success', 5],
          ['remove', 'success', 6],
          ['abort', 'success', 7],
        ];
        for (const [event, result, version] of sequence) {
          await expect(sendEvent(identity, jobId, { [event]: null })).resolves.toMatchObject({ status: 202, body: { result } });
          await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: `"${version}"` }, body: { job_schedule: { event } } });
        }
      });

      it.each([
        ['no body', undefined],
        ['an empty object', {}],
        ['a list', ['start']],
      ])('answers 400 "Bad event request format" for %s', async (_what, body) => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const res = await sendEvent(identity, jobId, body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest('Bad event request format'));
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"1"' } });
      });

      it('answers 400 "Bad Action Method" for an unknown event', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const res = await sendEvent(identity, jobId, { pause: null });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest('Bad Action Method'));
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ headers: { etag: '"1"' } });
      });

      it('answers 404 for a missing job (§14 #6)', async () => {
        const identity = newIdentity();
        const res = await sendEvent(identity, 'no-such-job', { start: null });
        expect(res.status).toBe(404);
        expect(res.body).toEqual(expectedErrors.notFound('No job found with ID no-such-job'));
      });
    });

    describe(`DELETE ${api.route}/:job_id`, () => {
      function remove(identity: Identity, jobId: string, headers: Record<string, string> = {}) {
        return request(server).delete(`${jobsUrl(identity)}/${jobId}`).set({ ...identityHeaders(identity), ...headers });
      }

      it('answers 204 with no body; the job is gone and its actions stay (§8.9)', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity, buildJobDoc({ job_actions: [buildJobAction(), buildJobAction()] }));
        const actions = await listActions(identity);
        expect(actions).toHaveLength(2);
        const res = await remove(identity, jobId);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ status: 404 });
        await expect(listJobs(identity)).resolves.toEqual([]);
        await expect(listActions(identity)).resolves.toEqual(actions);
      });

      if (api.name === 'v2') {
        it('answers 204 for a missing id (§14 #30)', async () => {
          await expect(remove(newIdentity(), 'no-such-job')).resolves.toMatchObject({ status: 204 });
        });
      } else {
        it('answers 404 "No Job found with ID:<id>" for a missing id', async () => {
          const res = await remove(newIdentity(), 'no-such-job');
          expect(res.status).toBe(404);
          expect(res.body).toEqual(expectedErrors.notFound('No Job found with ID:no-such-job'));
        });
      }

      it('lets the id be used again, starting at version 1 (D6, D17)', async () => {
        const identity = newIdentity();
        await request(server).put(`${jobsUrl(identity)}/again`).set(identityHeaders(identity)).send(buildJobDoc());
        await patchJob(identity, 'again', { description: 'v2' });
        await expect(remove(identity, 'again')).resolves.toMatchObject({ status: 204 });
        await request(server).put(`${jobsUrl(identity)}/again`).set(identityHeaders(identity)).send(buildJobDoc());
        await expect(getJob(identity, 'again')).resolves.toMatchObject({ status: 200, headers: { etag: '"1"' } });
      });

      it('answers 412 for a stale If-Match and keeps the job', async () => {
        const identity = newIdentity();
        const jobId = await createJob(identity);
        const res = await remove(identity, jobId, { 'If-Match': '"7"' });
        expect(res.status).toBe(412);
        expect(res.body).toEqual(expectedErrors.preconditionFailed());
        await expect(getJob(identity, jobId)).resolves.toMatchObject({ status: 200 });
        await expect(remove(identity, jobId, { 'If-Match': '"1"' })).resolves.toMatchObject({ status: 204 });
      });
    });

    describe(`${api.route}: another user's job`, () => {
      it('is invisible and unchanged by every route (D4, §14 #6)', async () => {
        const owner = newIdentity();
        const other = newIdentity({ projectId: owner.projectId });
        const jobId = await createJob(owner);
        const before = await jobDoc(owner, jobId);

        await expect(getJob(other, jobId)).resolves.toMatchObject({ status: 404, body: expectedErrors.notFound() });
        await expect(listJobs(other)).resolves.toEqual([]);
        await expect(listJobs(other, `?client_id=${before.client_id as string}`)).resolves.toEqual([]);
        await expect(patchJob(other, jobId, { description: 'hijacked' })).resolves.toMatchObject({
          status: 404,
          body: expectedErrors.notFound(`No job found with ID ${jobId}`),
        });
        await expect(sendEvent(other, jobId, { start: null })).resolves.toMatchObject({ status: 404, body: expectedErrors.notFound() });
        const deleted = await request(server).delete(`${jobsUrl(other)}/${jobId}`).set(identityHeaders(other));
        expect(deleted.status).toBe(api.name === 'v2' ? 204 : 404);

        const got = await getJob(owner, jobId);
        expect(got.headers.etag).toBe('"1"');
        expect(got.body).toEqual(before);
      });
    });
  }

  describe('/v1/jobs: a caller without a project (§14 #3)', () => {
    it('stores project_id null and still accepts events and the whole document PATCHed back', async () => {
      const identity = newIdentity();
      const { 'X-Project-Id': _project, ...headers } = identityHeaders(identity);
      const res = await request(server).post('/v1/jobs').set(headers).send(buildJobDoc({ job_schedule: { event: '' } }));
      expect(res.status).toBe(201);
      const jobId = res.body.job_id as string;
      const doc = (await request(server).get(`/v1/jobs/${jobId}`).set(headers)).body as Doc;
      expect(doc.project_id).toBeNull();
      expect((doc.job_actions as Doc[])[0]).toMatchObject({ user_id: identity.userId, project_id: null });

      const writeBack = { ...doc, job_schedule: { ...(doc.job_schedule as Schedule), status: 'scheduled' } };
      await expect(request(server).patch(`/v1/jobs/${jobId}`).set(headers).send(writeBack)).resolves.toMatchObject({
        status: 200,
        body: { job_id: jobId, version: 2 },
      });
      await expect(request(server).post(`/v1/jobs/${jobId}/event`).set(headers).send({ start: null })).resolves.toMatchObject({
        status: 202,
        body: { result: 'success' },
      });
      await expect(request(server).post(`/v1/jobs/${jobId}`).set(headers).send(writeBack)).resolves.toMatchObject({
        status: 201,
        body: { job_id: jobId, version: 4 },
      });
      const got = await request(server).get(`/v1/jobs/${jobId}`).set(headers);
      expect(got.body).toEqual(writeBack);
    });
  });

  describe('/v2/:project_id/jobs: project scoping', () => {
    it('answers 403 on every route when the path project is not the caller\'s (D5)', async () => {
      const identity = newIdentity();
      const headers = identityHeaders(identity);
      const created = await request(server).post(`/v2/${identity.projectId}/jobs`).set(headers).send(buildJobDoc());
      const jobId = created.body.job_id as string;
      const foreign = `/v2/not-${identity.projectId}/jobs`;
      const responses = await Promise.all([
        request(server).get(foreign).set(headers),
        request(server).post(foreign).set(headers).send(buildJobDoc()),
        request(server).get(`${foreign}/${jobId}`).set(headers),
        request(server).patch(`${foreign}/${jobId}`).set(headers).send({ description: 'x' }),
        request(server).post(`${foreign}/${jobId}`).set(headers).send(buildJobDoc()),
        request(server).put(`${foreign}/${jobId}`).set(headers).send(buildJobDoc()),
        request(server).post(`${foreign}/${jobId}/event`).set(headers).send({ start: null }),
        request(server).delete(`${foreign}/${jobId}`).set(headers),
      ]);
      for (const res of responses) {
        expect(res.status).toBe(403);
        expect(res.body).toEqual(expectedErrors.forbidden());
      }
      const got = await request(server).get(`/v2/${identity.projectId}/jobs/${jobId}`).set(headers);
      expect(got.headers.etag).toBe('"1"');
    });

    it('shows the user\'s jobs of every project on v1, and only the path project\'s on v2 (D4)', async () => {
      const userId = newIdentity().userId;
      const first = newIdentity({ userId });
      const second = newIdentity({ userId });
      const a = await request(server).post(`/v2/${first.projectId}/jobs`).set(identityHeaders(first)).send(buildJobDoc());
      const b = await request(server).post(`/v2/${second.projectId}/jobs`).set(identityHeaders(second)).send(buildJobDoc());
      const v1 = await request(server).get('/v1/jobs').set(identityHeaders(first));
      expect(v1.body.jobs.map((job: Doc) => job.job_id)).toEqual([a.body.job_id, b.body.job_id]);
      const v2 = await request(server).get(`/v2/${first.projectId}/jobs`).set(identityHeaders(first));
      expect(v2.body.jobs.map((job: Doc) => job.job_id)).toEqual([a.body.job_id]);
      const foreign = await request(server).get(`/v2/${first.projectId}/jobs/${b.body.job_id as string}`).set(identityHeaders(first));
      expect(foreign.status).toBe(404);
    });

    it('answers 409 to a replace of an id the same user holds in another project (D4)', async () => {
      const userId = newIdentity().userId;
      const first = newIdentity({ userId });
      const second = newIdentity({ userId });
      await request(server).put(`/v2/${first.projectId}/jobs/shared-job`).set(identityHeaders(first)).send(buildJobDoc());
      const res = await request(server).put(`/v2/${second.projectId}/jobs/shared-job`).set(identityHeaders(second)).send(buildJobDoc());
      expect(res.status).toBe(409);
      expect(res.body).toEqual(expectedErrors.conflict());
      const listed = await request(server).get(`/v2/${second.projectId}/jobs`).set(identityHeaders(second));
      expect(listed.body).toEqual({ jobs: [] });
      await expect(request(server).get(`/v2/${second.projectId}/actions`).set(identityHeaders(second))).resolves.toMatchObject({
        body: { actions: [] },
      });
    });
  });
});
