// SPDX-License-Identifier: Apache-2.0
// The requests of the authorization matrices (authorization-matrix*.e2e-spec.ts): one probe per
// route of every kind of document, and the helpers that send them as an identity.
import { expect } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildActionDoc } from '../factories/action.factory.js';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { buildJobDoc } from '../factories/job.factory.js';
import { buildSessionDoc } from '../factories/session.factory.js';
import { type Identity, identityHeaders, newIdentity } from './keystone-headers.js';

export type Kind = 'backups' | 'clients' | 'actions' | 'jobs' | 'sessions';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export const KINDS: Kind[] = ['backups', 'clients', 'actions', 'jobs', 'sessions'];
export const ID_KEY: Record<Kind, string> = { backups: 'backup_id', clients: 'client_id', actions: 'action_id', jobs: 'job_id', sessions: 'session_id' };
export const BUILD: Record<Kind, () => Record<string, unknown>> = {
  backups: () => buildBackupDoc(),
  clients: () => buildClientDoc(),
  actions: () => buildActionDoc(),
  jobs: () => buildJobDoc(),
  sessions: () => buildSessionDoc({ session_tag: 0 }),
};
export const PATCH: Partial<Record<Kind, Record<string, unknown>>> = {
  backups: { status: 'error' },
  actions: { max_retries: 7 },
  jobs: { description: 'changed by a patch' },
  sessions: { description: 'changed by a patch' },
};
export const V1_NOT_SERVED = 'API v1 is not served when FREEZER_SCOPE=project: use /v2/{project_id}/...';

export interface Call {
  method: Method;
  path: string;
  body?: unknown;
}
export interface Answer {
  status: number;
  body: unknown;
  etag?: string;
}
// The caller's own job and session, next to the probed document (for add/remove job).
export interface Mine {
  job: string;
  session: string;
}
export interface Probe {
  name: string;
  kinds: Kind[];
  call(base: string, kind: Kind, id: string, mine: Mine): Call;
  // what a caller who may see the document gets (scope project, same project)
  seen: number;
}

export const ITEM_KINDS: Kind[] = ['actions', 'jobs', 'sessions'];
// The routes of a kind's collection: list and create (the id and `mine` are not used).
export const COLLECTION_PROBES: Probe[] = [
  { name: 'list', kinds: KINDS, seen: 200, call: (base, kind) => ({ method: 'get', path: `${base}/${kind}` }) },
  { name: 'create', kinds: KINDS, seen: 201, call: (base, kind) => ({ method: 'post', path: `${base}/${kind}`, body: BUILD[kind]() }) },
];
// The routes of one document, in the order they run; the document is deleted last.
export const PROBES: Probe[] = [
  { name: 'get', kinds: KINDS, seen: 200, call: (base, kind, id) => ({ method: 'get', path: `${base}/${kind}/${id}` }) },
  { name: 'patch', kinds: [...ITEM_KINDS, 'backups'], seen: 200, call: (base, kind, id) => ({ method: 'patch', path: `${base}/${kind}/${id}`, body: PATCH[kind] }) },
  { name: 'event', kinds: ['jobs'], seen: 202, call: (base, _kind, id) => ({ method: 'post', path: `${base}/jobs/${id}/event`, body: { start: null } }) },
  { name: 'add to own session', kinds: ['jobs'], seen: 204, call: (base, _k, id, mine) => ({ method: 'put', path: `${base}/sessions/${mine.session}/jobs/${id}` }) },
  { name: 'remove from own session', kinds: ['jobs'], seen: 204, call: (base, _k, id, mine) => ({ method: 'delete', path: `${base}/sessions/${mine.session}/jobs/${id}` }) },
  { name: 'add own job', kinds: ['sessions'], seen: 204, call: (base, _k, id, mine) => ({ method: 'put', path: `${base}/sessions/${id}/jobs/${mine.job}` }) },
  {
    name: 'session action',
    kinds: ['sessions'],
    seen: 202,
    call: (base, _k, id, mine) => ({ method: 'post', path: `${base}/sessions/${id}/action`, body: { start: { job_id: mine.job, current_tag: 0 } } }),
  },
  {
    name: 'session action end',
    kinds: ['sessions'],
    seen: 202,
    call: (base, _k, id, mine) => ({ method: 'post', path: `${base}/sessions/${id}/action`, body: { end: { job_id: mine.job, result: 'success' } } }),
  },
  { name: 'remove own job', kinds: ['sessions'], seen: 204, call: (base, _k, id, mine) => ({ method: 'delete', path: `${base}/sessions/${id}/jobs/${mine.job}` }) },
  { name: 'replace (POST)', kinds: ITEM_KINDS, seen: 201, call: (base, kind, id) => ({ method: 'post', path: `${base}/${kind}/${id}`, body: BUILD[kind]() }) },
  { name: 'replace (PUT)', kinds: ITEM_KINDS, seen: 201, call: (base, kind, id) => ({ method: 'put', path: `${base}/${kind}/${id}`, body: BUILD[kind]() }) },
  { name: 'delete', kinds: KINDS, seen: 204, call: (base, kind, id) => ({ method: 'delete', path: `${base}/${kind}/${id}` }) },
];

export const missingId = (): string => newIdentity().userId.replace(/^u/, 'ffffffffffffffffffff');

export async function send(app: NestExpressApplication, who: Identity, call: Call): Promise<Answer> {
  let req = request(app.getHttpServer())[call.method](call.path).set(identityHeaders(who));
  if (call.body !== undefined) req = req.send(call.body as object);
  const res = await req;
  return { status: res.status, body: res.status === 204 ? res.text : res.body, etag: res.headers.etag };
}

export async function create(app: NestExpressApplication, who: Identity, base: string, kind: Kind): Promise<string> {
  const res = await send(app, who, { method: 'post', path: `${base}/${kind}`, body: BUILD[kind]() });
  expect(res.status).toBe(201);
  return String((res.body as Record<string, unknown>)[ID_KEY[kind]]);
}

export async function mineIn(app: NestExpressApplication, who: Identity, base: string): Promise<Mine> {
  return { job: await create(app, who, base, 'jobs'), session: await create(app, who, base, 'sessions') };
}

// A client's id is inside its `client` object (§6.2).
export function listIds(answer: Answer, kind: Kind): string[] {
  const docs = (answer.body as Record<string, Array<Record<string, unknown>>>)[kind] ?? [];
  return docs.map((doc) => String(kind === 'clients' ? (doc.client as Record<string, unknown>).client_id : doc[ID_KEY[kind]]));
}
