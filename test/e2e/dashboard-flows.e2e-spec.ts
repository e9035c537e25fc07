// SPDX-License-Identifier: Apache-2.0
// The freezer-web-ui 13 flows of spec §12 (ui: api/api.py), replayed over HTTP with the bodies the
// dashboard sends through freezerclient (limit=500, `_all` search, whole-document PATCHes).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildActionDoc, buildFreezerAction } from '../factories/action.factory.js';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { buildJobDoc } from '../factories/job.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

const HEX_ID = /^[0-9a-f]{32}$/;

type Doc = Record<string, unknown>;
type Schedule = Record<string, unknown>;

describe('web UI flows', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;

  beforeAll(async () => {
    app = await createTestApp();
    server = app.getHttpServer();
  });
  afterAll(async () => {
    await app.close();
  });

  const url = (identity: Identity, kind: string) => `/v2/${identity.projectId}/${kind}`;

  async function post(identity: Identity, path: string, body: object): Promise<Doc> {
    const res = await request(server).post(path).set(identityHeaders(identity)).send(body);
    expect(res.status).toBe(201);
    return res.body as Doc;
  }

  async function get(identity: Identity, path: string): Promise<Doc> {
    const res = await request(server).get(path).set(identityHeaders(identity));
    expect(res.status).toBe(200);
    return res.body as Doc;
  }

  // freezerclient's list: limit=500 as the dashboard asks, the search box as {"match": [{"_all": …}]}.
  async function list(identity: Identity, kind: string, search?: string, limit = 500): Promise<Doc[]> {
    const req = request(server).get(`${url(identity, kind)}/?limit=${limit}&offset=0`).set(identityHeaders(identity));
    const res = search === undefined ? await req : await req.send({ match: [{ _all: search }] });
    expect(res.status).toBe(200);
    return res.body[kind] as Doc[];
  }

  async function event(identity: Identity, jobId: string, name: string): Promise<void> {
    const res = await request(server).post(`${url(identity, 'jobs')}/${jobId}/event`).set(identityHeaders(identity)).send({ [name]: null });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ result: 'success' });
  }

  async function patchJob(identity: Identity, jobId: string, body: object): Promise<void> {
    const res = await request(server).patch(`${url(identity, 'jobs')}/${jobId}`).set(identityHeaders(identity)).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ job_id: jobId, version: expect.any(Number) });
  }

  // ui: Job._get_actions_in_job: each selected action as {action_id, freezer_action} from its GET.
  async function actionsInJob(identity: Identity, actionIds: string[]): Promise<Doc[]> {
    const elements: Doc[] = [];
    for (const actionId of actionIds) {
      const action = await get(identity, `${url(identity, 'actions')}/${actionId}`);
      elements.push({ action_id: action.action_id, freezer_action: action.freezer_action });
    }
    return elements;
  }

  // A job as the scheduler leaves it after it took it on (§9.3): stopped by the dashboard, scheduled.
  async function scheduledJob(identity: Identity): Promise<{ jobId: string; doc: Doc }> {
    const { job_id: jobId } = await post(identity, url(identity, 'jobs'), buildJobDoc());
    const doc = await get(identity, `${url(identity, 'jobs')}/${jobId as string}`);
    await patchJob(identity, jobId as string, { ...doc, job_schedule: { ...(doc.job_schedule as Schedule), event: 'stop', status: 'scheduled', result: 'success' } });
    return { jobId: jobId as string, doc: await get(identity, `${url(identity, 'jobs')}/${jobId as string}`) };
  }

  describe('Job create (ui: Job._build)', () => {
    it('finds each selected client by _all on its uuid, creates one job per client, then stops it', async () => {
      const identity = newIdentity();
      const clients = [buildClientDoc(), buildClientDoc(), buildClientDoc()];
      for (const client of clients) await post(identity, url(identity, 'clients'), client);
      const uuids: string[] = [];
      for (const client of clients) {
        const doc = await get(identity, `${url(identity, 'clients')}/${client.client_id as string}`);
        uuids.push((doc.client as Doc).uuid as string);
      }
      const actionIds: string[] = [];
      for (const body of [buildActionDoc(), buildActionDoc({ freezer_action: buildFreezerAction({ mode: 'mysql' }) })]) {
        actionIds.push((await post(identity, url(identity, 'actions'), body)).action_id as string);
      }
      const actions = await list(identity, 'actions');

      const selected = [2, 0];
      const jobIds: string[] = [];
      for (const index of selected) {
        const hits = await list(identity, 'clients', uuids[index]);
        expect(hits[0]).toMatchObject({ client: { client_id: clients[index].client_id, uuid: uuids[index] } });
        expect(hits).toHaveLength(1);
        const job = {
          description: 'Nightly /etc',
          job_actions: await actionsInJob(identity, actionIds),
          job_schedule: { schedule_start_date: '2030-01-01T03:00:00', schedule_interval: '1 days', schedule_end_date: '2031-01-01T03:00:00' },
          client_id: (hits[0].client as Doc).client_id,
        };
        const created = await post(identity, url(identity, 'jobs'), job);
        expect(created).toEqual({ job_id: expect.stringMatching(HEX_ID) });
        await event(identity, created.job_id as string, 'stop');
        jobIds.push(created.job_id as string);
      }

      const jobs = await list(identity, 'jobs');
      expect(jobs.map((job) => job.job_id)).toEqual(jobIds);
      for (const [i, job] of jobs.entries()) {
        expect(job).toEqual({
          job_id: jobIds[i],
          user_id: identity.userId,
          project_id: identity.projectId,
          client_id: clients[selected[i]].client_id,
          description: 'Nightly /etc',
          session_id: '',
          session_tag: 0,
          job_schedule: {
            schedule_start_date: '2030-01-01T03:00:00',
            schedule_interval: '1 days',
            schedule_end_date: '2031-01-01T03:00:00',
            time_created: expect.any(Number),
            time_started: -1,
            time_ended: -1,
            event: 'stop',
          },
          job_actions: actionIds.map((actionId, k) => ({
            action_id: actionId,
            freezer_action: actions[k].freezer_action,
            user_id: identity.userId,
            project_id: identity.projectId,
          })),
        });
      }
      // the embedded actions were the stored ones: nothing new in the Actions panel
      await expect(list(identity, 'actions')).resolves.toEqual(actions);

      // the scheduler of the first selected client now sees its job in its poll (§9.2)
      const poll = await request(server)
        .get(`${url(identity, 'jobs')}/?limit=10&offset=0`)
        .set(identityHeaders(identity))
        .send({ match_not: [{ status: 'completed' }], match: [{ client_id: clients[2].client_id }] });
      expect(poll.body.jobs.map((job: Doc) => job.job_id)).toEqual([jobIds[0]]);
    });
  });

  describe('Job update (ui: Job.update)', () => {
    it('PATCHes description, client_id and a partial job_schedule, keeping event, status, result and the rest', async () => {
      const identity = newIdentity();
      const { jobId, doc } = await scheduledJob(identity);
      const edit = {
        description: 'Renamed in the dashboard',
        client_id: 'proj_other-node.example.com',
        job_schedule: { schedule_start_date: '2030-02-01T04:00:00', schedule_interval: '12 hours', schedule_end_date: '2032-01-01T00:00:00' },
      };
      await patchJob(identity, jobId, edit);
      const after = await get(identity, `${url(identity, 'jobs')}/${jobId}`);
      expect(after).toEqual({
        ...doc,
        description: edit.description,
        client_id: edit.client_id,
        job_schedule: { ...(doc.job_schedule as Schedule), ...edit.job_schedule },
      });
      expect(after.job_schedule).toMatchObject({ event: 'stop', status: 'scheduled', result: 'success' });
    });

    it('leaves out the keys of an empty form field (interval "" is dropped by the dashboard)', async () => {
      const identity = newIdentity();
      const { jobId, doc } = await scheduledJob(identity);
      await patchJob(identity, jobId, { description: 'only the name', job_schedule: {} });
      await expect(get(identity, `${url(identity, 'jobs')}/${jobId}`)).resolves.toEqual({ ...doc, description: 'only the name' });
    });
  });

  describe('Job "update actions" (ui: Job.update_actions, Job.delete_action)', () => {
    it('accepts the GET document PATCHed back whole with new job_actions and the server fields', async () => {
      const identity = newIdentity();
      const { jobId, doc } = await scheduledJob(identity);
      const actionIds: string[] = [];
      for (const mode of ['fs', 'mongo']) {
        actionIds.push((await post(identity, url(identity, 'actions'), buildActionDoc({ freezer_action: buildFreezerAction({ mode }) }))).action_id as string);
      }
      const actionsBefore = await list(identity, 'actions');
      const job = await get(identity, `${url(identity, 'jobs')}/${jobId}`);
      const { job_actions: _old, ...rest } = job;
      const selected = await actionsInJob(identity, actionIds);
      await patchJob(identity, jobId, { ...rest, _version: 2, job_actions: selected });
      const after = await get(identity, `${url(identity, 'jobs')}/${jobId}`);
      expect(after).toEqual({
        ...doc,
        job_actions: selected.map((element) => ({ ...element, user_id: identity.userId, project_id: identity.projectId })),
      });
      await expect(list(identity, 'actions')).resolves.toEqual(actionsBefore);

      // removing one action from the job: GET, drop it, PATCH the whole document back
      const current = await get(identity, `${url(identity, 'jobs')}/${jobId}`);
      const remaining = (current.job_actions as Doc[]).filter((element) => element.action_id !== actionIds[0]);
      await patchJob(identity, jobId, { ...current, job_actions: remaining });
      const trimmed = await get(identity, `${url(identity, 'jobs')}/${jobId}`);
      expect((trimmed.job_actions as Doc[]).map((element) => element.action_id)).toEqual([actionIds[1]]);
      expect(trimmed.job_schedule).toEqual(doc.job_schedule);
    });
  });

  describe('Job clone (ui: Job.clone)', () => {
    it('POSTs the GET document without job_id and _version: a new job with the same content, then stops it', async () => {
      const identity = newIdentity();
      const { jobId, doc } = await scheduledJob(identity);
      const actionsBefore = await list(identity, 'actions');
      // a GET from an ES-era server also carried _version, which the dashboard removes
      const source: Doc = { ...(await get(identity, `${url(identity, 'jobs')}/${jobId}`)), _version: 3 };
      source.description = `${source.description as string}_clone`;
      delete source.job_id;
      delete source._version;
      const { job_id: cloneId } = await post(identity, url(identity, 'jobs'), source);
      expect(cloneId).toMatch(HEX_ID);
      expect(cloneId).not.toBe(jobId);
      // the source was stopped, so the copy already carries event "stop"
      const stopped = await request(server).post(`${url(identity, 'jobs')}/${cloneId as string}/event`).set(identityHeaders(identity)).send({ stop: null });
      expect(stopped.status).toBe(202);
      expect(stopped.body).toEqual({ result: 'stop already requested' });

      const clone = await get(identity, `${url(identity, 'jobs')}/${cloneId as string}`);
      expect(clone).toEqual({
        ...doc,
        job_id: cloneId,
        description: `${doc.description as string}_clone`,
        job_schedule: { ...(doc.job_schedule as Schedule), time_created: expect.any(Number), time_started: -1, time_ended: -1, event: 'stop' },
      });
      // the same actions are shared by both jobs
      await expect(list(identity, 'actions')).resolves.toEqual(actionsBefore);
      await expect(get(identity, `${url(identity, 'jobs')}/${jobId}`)).resolves.toEqual(doc);
    });
  });

  describe('Backup restore (ui: Backup.restore)', () => {
    it('reads the backup with limit=1, POSTs a restore action, a job embedding it with job_schedule {}, then starts it', async () => {
      const identity = newIdentity();
      const client = buildClientDoc();
      await post(identity, url(identity, 'clients'), client);
      await post(identity, url(identity, 'backups'), buildBackupDoc());
      const { backup_id: backupId } = await post(identity, url(identity, 'backups'), buildBackupDoc({ storage: 'swift' }));

      const found = await request(server)
        .get(`${url(identity, 'backups')}/?limit=1`)
        .set(identityHeaders(identity))
        .send({ match: [{ backup_id: backupId }] });
      expect(found.body.backups).toHaveLength(1);
      const metadata = found.body.backups[0].backup_metadata as Doc;
      const freezerAction = {
        action: 'restore',
        backup_name: metadata.backup_name,
        restore_abs_path: '/srv/restore',
        container: metadata.container,
        restore_from_host: metadata.hostname,
        storage: metadata.storage,
      };
      const { action_id: actionId } = await post(identity, url(identity, 'actions'), { freezer_action: freezerAction });
      const job = {
        job_actions: [{ action_id: actionId, freezer_action: freezerAction }],
        client_id: client.client_id,
        description: `Restore ${metadata.backup_name as string} for ${client.client_id as string}`,
        job_schedule: {},
      };
      const { job_id: jobId } = await post(identity, url(identity, 'jobs'), job);
      await event(identity, jobId as string, 'start');

      await expect(get(identity, `${url(identity, 'jobs')}/${jobId as string}`)).resolves.toEqual({
        ...job,
        job_id: jobId,
        user_id: identity.userId,
        project_id: identity.projectId,
        session_id: '',
        session_tag: 0,
        job_schedule: { time_created: expect.any(Number), time_started: -1, time_ended: -1, event: 'start', status: '', result: '' },
        job_actions: [{ action_id: actionId, freezer_action: freezerAction, user_id: identity.userId, project_id: identity.projectId }],
      });
      await expect(list(identity, 'actions')).resolves.toEqual([
        { action_id: actionId, freezer_action: freezerAction, user_id: identity.userId, project_id: identity.projectId, mandatory: false, max_retries: 5, max_retries_interval: 6 },
      ]);
    });
  });

  describe('panels (limit=500 and the search box)', () => {
    it('lists every job with limit=500, in creation order, and filters with the search box', async () => {
      const identity = newIdentity();
      const ids: string[] = [];
      for (let i = 0; i < 15; i++) {
        ids.push((await post(identity, url(identity, 'jobs'), buildJobDoc({ description: i % 5 === 0 ? `Database dump ${i}` : `files ${i}` }))).job_id as string);
      }
      const jobs = await list(identity, 'jobs');
      expect(jobs.map((job) => job.job_id)).toEqual(ids);
      const dumps = await list(identity, 'jobs', 'database DUMP');
      expect(dumps.map((job) => job.job_id)).toEqual([ids[0], ids[5], ids[10]]);
      await expect(list(identity, 'jobs', undefined, 10)).resolves.toHaveLength(10);
      const clientSearch = await list(identity, 'jobs', jobs[7].client_id as string);
      expect(clientSearch.map((job) => job.job_id)).toEqual([ids[7]]);
    });
  });
});
