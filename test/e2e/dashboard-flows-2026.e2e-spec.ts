// SPDX-License-Identifier: Apache-2.0
// The flows of the 2026 dashboard (freezer-web-ui master, package freezer_ui) that send what the
// freezer 13 dashboard never did, replayed over HTTP with its bodies: every action it reads is
// "sanitised" (ui: api/api.py _sanitize_action: action_id "" when absent, and null for each of
// freezer_action's action, mode, storage, engine, engine_name and backup_name that is missing),
// and those documents are posted back as job_actions; a job without a description is created
// with "description": null. The freezer 13 flows stay in dashboard-flows.e2e-spec.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildFreezerAction } from '../factories/action.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

type Doc = Record<string, unknown>;

const SANITISED_KEYS = ['action', 'mode', 'storage', 'engine', 'engine_name', 'backup_name'];

// ui: api/api.py _sanitize_action, on a document as GET answers it
function sanitise(action: Doc): Doc {
  const freezerAction = { ...(action.freezer_action as Doc) };
  for (const key of SANITISED_KEYS) if (!(key in freezerAction)) freezerAction[key] = null;
  return { action_id: '', ...action, freezer_action: freezerAction };
}

describe('2026 dashboard flows', () => {
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

  async function call(identity: Identity, method: 'get' | 'post' | 'patch', path: string, body?: object, status = method === 'post' ? 201 : 200) {
    const req = request(server)[method](path).set(identityHeaders(identity));
    const res = body === undefined ? await req : await req.send(body);
    expect({ path, status: res.status, body: res.status === status ? 'ok' : res.body }).toEqual({ path, status, body: 'ok' });
    return res.body as Doc;
  }

  // An action without mode and backup_name (an exec), and a backup without storage keys.
  async function seedActions(identity: Identity): Promise<Doc[]> {
    const bodies = [
      { freezer_action: { action: 'exec', command: 'sync' }, max_retries: 1 },
      { freezer_action: buildFreezerAction({ storage: undefined }), max_retries: 2, mandatory: true },
    ];
    const docs: Doc[] = [];
    for (const body of bodies) {
      const { action_id: actionId } = await call(identity, 'post', url(identity, 'actions'), body);
      docs.push(await call(identity, 'get', `${url(identity, 'actions')}/${actionId as string}`));
    }
    return docs;
  }

  it('creates a job from sanitised actions with "description": null, stores the nulls as sent and reuses the actions', async () => {
    const identity = newIdentity();
    const client = buildClientDoc({ supported_actions: ['backup', 'exec'], supported_modes: ['fs'], supported_storages: ['swift'], supported_engines: ['tar'], is_central: false });
    await call(identity, 'post', url(identity, 'clients'), client);
    const { client: registered } = await call(identity, 'get', `${url(identity, 'clients')}/${client.client_id as string}`);
    // the job workflow resolves the chosen client by _all on its uuid and takes the first hit
    const hits = await request(server).get(`${url(identity, 'clients')}/?limit=500&offset=0`).set(identityHeaders(identity)).send({ match: [{ _all: (registered as Doc).uuid }] });
    expect(hits.body.clients.map((c: Doc) => (c.client as Doc).client_id)).toEqual([client.client_id]);
    const actions = (await seedActions(identity)).map(sanitise);
    expect((actions[0].freezer_action as Doc).mode).toBeNull();

    const job = {
      description: null,
      job_schedule: { schedule_start_date: '2030-01-01T03:00:00', schedule_interval: '1 days' },
      job_actions: actions,
      client_id: client.client_id,
    };
    const { job_id: jobId } = await call(identity, 'post', url(identity, 'jobs'), job);
    await call(identity, 'post', `${url(identity, 'jobs')}/${jobId as string}/event`, { stop: null }, 202);

    const stored = await call(identity, 'get', `${url(identity, 'jobs')}/${jobId as string}`);
    expect(stored.description).toBeNull();
    expect(stored.job_actions).toEqual(actions);
    // equal to the stored actions bar the added nulls: no new action appeared
    const listed = await call(identity, 'get', `${url(identity, 'actions')}?limit=500`);
    expect((listed.actions as Doc[]).map((a) => a.action_id)).toEqual(actions.map((a) => a.action_id));
  });

  it('"update actions": PATCHes the whole GET document back with sanitised actions', async () => {
    const identity = newIdentity();
    const created = await call(identity, 'post', url(identity, 'jobs'), {
      client_id: 'proj_node1.example.com',
      job_schedule: {},
      job_actions: [{ freezer_action: buildFreezerAction() }],
    });
    const jobPath = `${url(identity, 'jobs')}/${created.job_id as string}`;
    const before = await call(identity, 'get', jobPath);
    const actions = (await seedActions(identity)).map(sanitise);
    const written = await call(identity, 'patch', jobPath, { ...before, job_actions: actions, session_id: null, session_name: null });
    expect(written).toEqual({ job_id: created.job_id, version: 2 });
    const after = await call(identity, 'get', jobPath);
    expect(after).toEqual({ ...before, job_actions: actions, session_id: null, session_name: null });
  });

  it('checks cindernative_freezer_only as a boolean or null, and takes null for every nullable agent option', async () => {
    const identity = newIdentity();
    const res = await request(server)
      .post(url(identity, 'jobs'))
      .set(identityHeaders(identity))
      .send({ client_id: 'proj_n1', job_schedule: {}, job_actions: [{ freezer_action: { action: 'backup', max_level: null, cindernative_freezer_only: 'yes' } }] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ title: 'Bad request format', description: "'yes' is not of type 'boolean', 'null'" });
    const nulls = await request(server)
      .post(url(identity, 'jobs'))
      .set(identityHeaders(identity))
      .send({ client_id: 'proj_n1', job_schedule: {}, job_actions: [{ freezer_action: { action: null, cindernative_freezer_only: null, restore_abs_path: null, path_to_backup: null, container: null } }] });
    expect(nulls.status).toBe(201);
  });
});
