// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildActionDoc } from '../factories/action.factory.js';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { buildJobDoc } from '../factories/job.factory.js';
import { buildSessionDoc } from '../factories/session.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

// D14: what PostgreSQL cannot store or address is refused at the edge with 400, never a 500, on
// every kind of route, and nothing is written. D3: the answer names no internals.
const LEAK = /\b(SELECT|INSERT|UPDATE|DELETE FROM|relation|violates|QueryFailedError|TypeORM|node_modules|postgres|pg)\b|\n\s+at |\.(js|ts):\d+/i;
const BAD_ID = { title: 'Bad request format', description: 'The document id in the path is not valid' };
const BAD_PROJECT = { title: 'Bad request format', description: 'The project id in the path is not valid' };
const UNDECODABLE = { title: 'Bad request format', description: 'The request URL or body could not be decoded' };
const NUL_IN_BODY = { title: 'Bad request format', description: 'Strings may not contain the NUL character (\\u0000)' };
const SURROGATE_IN_BODY = { title: 'Bad request format', description: 'Strings may not contain unpaired UTF-16 surrogates' };

const COLLECTIONS = ['backups', 'clients', 'jobs', 'actions', 'sessions'] as const;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Route {
  method: Method;
  // {id} is where the id under test goes; {session} a real session id, {job} a real job id
  path: string;
  body?: object;
}

// Every route that takes a document id in its path, with a body it would accept.
function idRoutes(): Route[] {
  return [
    { method: 'get', path: 'backups/{id}' },
    { method: 'delete', path: 'backups/{id}' },
    { method: 'get', path: 'clients/{id}' },
    { method: 'delete', path: 'clients/{id}' },
    ...(['jobs', 'actions', 'sessions'] as const).flatMap((kind): Route[] => {
      const doc = kind === 'jobs' ? buildJobDoc() : kind === 'actions' ? buildActionDoc() : buildSessionDoc();
      return [
        { method: 'get', path: `${kind}/{id}` },
        { method: 'patch', path: `${kind}/{id}`, body: { description: 'changed' } },
        { method: 'post', path: `${kind}/{id}`, body: doc },
        { method: 'put', path: `${kind}/{id}`, body: doc },
        { method: 'delete', path: `${kind}/{id}` },
      ];
    }),
    { method: 'post', path: 'jobs/{id}/event', body: { start: null } },
    { method: 'post', path: 'sessions/{id}/action', body: { start: { job_id: 'j1', current_tag: 0 } } },
    { method: 'put', path: 'sessions/{id}/jobs/{job}' },
    { method: 'delete', path: 'sessions/{id}/jobs/{job}' },
    { method: 'put', path: 'sessions/{session}/jobs/{id}' },
    { method: 'delete', path: 'sessions/{session}/jobs/{id}' },
  ];
}

describe('Refusals at the edge of what PostgreSQL can store (D14)', () => {
  let app: NestExpressApplication;
  const server = () => app.getHttpServer();

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function counts(who: Identity): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const kind of COLLECTIONS) {
      const res = await request(server()).get(`/v2/${who.projectId}/${kind}`).set(identityHeaders(who)).query({ limit: 100 });
      expect(res.status).toBe(200);
      result[kind] = (res.body as Record<string, unknown[]>)[kind].length;
    }
    return result;
  }

  async function create(who: Identity, kind: string, doc: object): Promise<string> {
    const res = await request(server()).post(`/v2/${who.projectId}/${kind}`).set(identityHeaders(who)).send(doc);
    expect(res.status).toBe(201);
    return Object.values(res.body as Record<string, string>)[0];
  }

  function send(who: Identity, route: Route, path: string) {
    const req = request(server())[route.method](path).set(identityHeaders(who));
    return route.body === undefined ? req : req.send(route.body);
  }

  function expectRefusal(res: request.Response, body: object): void {
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body });
    expect(res.text).not.toMatch(LEAK);
  }

  // [label, id as it appears in the URL, expected answer]
  const badIds: Array<[string, string, object]> = [
    ['a NUL', 'a%00b', BAD_ID],
    ['only a NUL', '%00', BAD_ID],
    ['a control character', 'a%01b', BAD_ID],
    ['invalid UTF-8', 'a%C3%28b', UNDECODABLE],
    ['a lone continuation byte', '%80', UNDECODABLE],
    ['an encoded lone surrogate', '%ED%A0%80', UNDECODABLE],
    ['256 characters', 'x'.repeat(256), BAD_ID],
    ['256 multi-byte characters', '%C3%A9'.repeat(256), BAD_ID],
  ];

  describe.each(badIds)('an id with %s in the path', (_label, badId, expected) => {
    it.each(['v2', 'v1'] as const)('is refused with 400 on every %s route, and nothing is stored', async (api) => {
      const who = newIdentity();
      const sessionId = await create(who, 'sessions', buildSessionDoc());
      const jobId = await create(who, 'jobs', buildJobDoc());
      const before = await counts(who);
      const prefix = api === 'v2' ? `/v2/${who.projectId}` : '/v1';
      const answers: Array<[string, number, object]> = [];
      for (const route of idRoutes()) {
        const path = `${prefix}/${route.path.replace('{id}', badId).replace('{session}', sessionId).replace('{job}', jobId)}`;
        const res = await send(who, route, path);
        expect(res.text).not.toMatch(LEAK);
        answers.push([`${route.method.toUpperCase()} ${route.path}`, res.status, res.body as object]);
      }
      expect(answers).toEqual(idRoutes().map((route) => [`${route.method.toUpperCase()} ${route.path}`, 400, expected]));
      expect(await counts(who)).toEqual(before);
    });
  });

  it.each([
    ['a NUL', 'p%00x', BAD_PROJECT],
    ['invalid UTF-8', 'p%C3%28', UNDECODABLE],
    ['256 characters', 'p'.repeat(256), BAD_PROJECT],
  ])('refuses a project id with %s in a v2 path with 400', async (_label, project, expected) => {
    const who = newIdentity({ roles: ['admin'] });
    for (const kind of COLLECTIONS) {
      expectRefusal(await request(server()).get(`/v2/${project}/${kind}`).set(identityHeaders(who)), expected);
      expectRefusal(await request(server()).post(`/v2/${project}/${kind}`).set(identityHeaders(who)).send({}), expected);
    }
  });

  it('accepts a 255-character id, the longest storable one', async () => {
    const who = newIdentity();
    const id = 'a'.repeat(255);
    const res = await request(server()).put(`/v2/${who.projectId}/actions/${id}`).set(identityHeaders(who)).send(buildActionDoc());
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { action_id: id, version: 1 } });
    const got = await request(server()).get(`/v2/${who.projectId}/actions/${id}`).set(identityHeaders(who));
    expect({ status: got.status, id: got.body.action_id }).toEqual({ status: 200, id });
  });

  describe('bodies PostgreSQL JSONB cannot store', () => {
    // [label, document part, expected answer]
    const poisons: Array<[string, Record<string, unknown>, object]> = [
      ['a NUL in a value', { description: 'a\u0000b' }, NUL_IN_BODY],
      ['a NUL in a key', { 'extra\u0000key': 'x' }, NUL_IN_BODY],
      ['a NUL deep inside', { extra: { list: [{ deep: '\u0000' }] } }, NUL_IN_BODY],
      ['a lone high surrogate in a value', { description: 'a\ud800b' }, SURROGATE_IN_BODY],
      ['a lone low surrogate in a key', { ['k\udc00']: 'x' }, SURROGATE_IN_BODY],
    ];

    it.each(poisons)('refuses %s on every create, replace, patch, event, action and search, and stores nothing', async (_label, poison, expected) => {
      const who = newIdentity();
      const jobId = await create(who, 'jobs', buildJobDoc());
      const actionId = await create(who, 'actions', buildActionDoc());
      const sessionId = await create(who, 'sessions', buildSessionDoc());
      const before = await counts(who);
      const versions = async () => {
        const got: number[] = [];
        for (const [kind, id] of [['jobs', jobId], ['actions', actionId], ['sessions', sessionId]]) {
          const res = await request(server()).get(`/v2/${who.projectId}/${kind}/${id}`).set(identityHeaders(who));
          expect(res.status).toBe(200);
          got.push(Number(JSON.parse(res.headers.etag as string)));
        }
        return got;
      };
      const versionsBefore = await versions();
      const p = `/v2/${who.projectId}`;
      const writes: Array<[Method, string, object]> = [
        ['post', `${p}/backups`, buildBackupDoc(poison)],
        ['post', `${p}/clients`, buildClientDoc(poison)],
        ['post', `${p}/jobs`, buildJobDoc(poison)],
        ['post', `${p}/actions`, buildActionDoc(poison)],
        ['post', `${p}/sessions`, buildSessionDoc(poison)],
        ['post', `${p}/jobs/new-job`, buildJobDoc(poison)],
        ['put', `${p}/actions/new-action`, buildActionDoc(poison)],
        ['put', `${p}/sessions/new-session`, buildSessionDoc(poison)],
        ['patch', `${p}/jobs/${jobId}`, poison],
        ['patch', `${p}/actions/${actionId}`, poison],
        ['patch', `${p}/sessions/${sessionId}`, poison],
        ['post', `${p}/jobs/${jobId}/event`, { start: poison }],
        ['post', `${p}/sessions/${sessionId}/action`, { start: { job_id: jobId, current_tag: 0, ...poison } }],
        ['put', `${p}/sessions/${sessionId}/jobs/${jobId}`, poison],
        ['get', `${p}/backups`, { match: [poison] }],
        ['get', `${p}/jobs`, { match_not: [poison] }],
      ];
      const answers: Array<[string, number, object]> = [];
      for (const [method, path, body] of writes) {
        const res = await request(server())[method](path).set(identityHeaders(who)).send(body);
        expect(res.text).not.toMatch(LEAK);
        answers.push([`${method.toUpperCase()} ${path}`, res.status, res.body as object]);
      }
      expect(answers).toEqual(writes.map(([method, path]) => [`${method.toUpperCase()} ${path}`, 400, expected]));
      expect(await counts(who)).toEqual(before);
      expect(await versions()).toEqual(versionsBefore);
    });

    it('refuses a body that is not UTF-8 with 400 Malformed JSON', async () => {
      const who = newIdentity();
      const res = await request(server())
        .post(`/v2/${who.projectId}/backups`)
        .set(identityHeaders(who))
        // freezer reads JSON whatever the Content-Type; this one keeps superagent from re-encoding it
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('{"container": "c\xff"}', 'latin1'));
      expectRefusal(res, { title: 'Malformed JSON', description: 'The request body is not valid UTF-8' });
      expect((await counts(who)).backups).toBe(0);
    });
  });

  describe('query values', () => {
    it.each([
      ['a NUL', '%00'],
      ['256 characters', 'm'.repeat(256)],
    ])('refuses a marker with %s with 400 Invalid parameter', async (_label, marker) => {
      const who = newIdentity();
      for (const kind of COLLECTIONS) {
        const res = await request(server()).get(`/v2/${who.projectId}/${kind}?marker=${marker}`).set(identityHeaders(who));
        expectRefusal(res, { title: 'Invalid parameter', description: 'The "marker" parameter is invalid. The value must be a document id.' });
      }
    });

    it('answers a jobs search by a client_id with a NUL without a 500', async () => {
      const who = newIdentity();
      const res = await request(server()).get(`/v2/${who.projectId}/jobs?client_id=a%00b`).set(identityHeaders(who));
      expect(res.text).not.toMatch(LEAK);
      expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: NUL_IN_BODY });
    });
  });
});
