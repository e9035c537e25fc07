// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildActionDoc, buildFreezerAction } from '../factories/action.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

const HEX_ID = /^[0-9a-f]{32}$/;
const ID_MISMATCH = (value: string) => `'${value}' does not match '^[\\\\w-]+$'`;

type Doc = Record<string, unknown>;

// Both APIs serve the same handlers; only the prefix, the scoping and DELETE of a missing id differ.
interface Api {
  name: 'v1' | 'v2';
  route: string;
  base(identity: Identity): string;
}
const APIS: Api[] = [
  { name: 'v2', route: '/v2/:project_id/actions', base: (identity) => `/v2/${identity.projectId}/actions` },
  { name: 'v1', route: '/v1/actions', base: () => '/v1/actions' },
];

describe('actions', () => {
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
    const base = api.base;

    async function create(identity: Identity, body: Doc = buildActionDoc()): Promise<string> {
      const res = await request(server).post(base(identity)).set(identityHeaders(identity)).send(body);
      expect(res.status).toBe(201);
      return res.body.action_id as string;
    }

    async function getAction(identity: Identity, actionId: string) {
      return request(server).get(`${base(identity)}/${actionId}`).set(identityHeaders(identity));
    }

    async function listActions(identity: Identity, query = '', search?: object): Promise<Doc[]> {
      const req = request(server).get(`${base(identity)}${query}`).set(identityHeaders(identity));
      const res = search === undefined ? await req : await req.send(search);
      expect(res.status).toBe(200);
      return res.body.actions as Doc[];
    }

    // The document as GET returns it for a create of `body` (D14 defaults, server fields).
    function stored(identity: Identity, actionId: string, body: Doc): Doc {
      return {
        max_retries: 5,
        max_retries_interval: 6,
        mandatory: false,
        ...body,
        action_id: actionId,
        user_id: identity.userId,
        project_id: identity.projectId,
      };
    }

    describe(`POST ${api.route}`, () => {
      it('answers 201 {action_id} with a fresh 32-hex id and stores the body with the server fields', async () => {
        const identity = newIdentity();
        const body = buildActionDoc();
        const res = await request(server).post(base(identity)).set(identityHeaders(identity)).send(body);
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ action_id: expect.stringMatching(HEX_ID) });
        const got = await getAction(identity, res.body.action_id);
        expect(got.status).toBe(200);
        expect(got.body).toEqual(stored(identity, res.body.action_id, body));
      });

      it('keeps an action_id given in the body (fc: action-create --file)', async () => {
        const identity = newIdentity();
        const body = buildActionDoc({ action_id: 'nightly-etc-backup' });
        const res = await request(server).post(base(identity)).set(identityHeaders(identity)).send(body);
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ action_id: 'nightly-etc-backup' });
        await expect(getAction(identity, 'nightly-etc-backup')).resolves.toMatchObject({
          status: 200,
          body: stored(identity, 'nightly-etc-backup', body),
        });
      });

      it('ignores user_id, project_id and _version in the body', async () => {
        const identity = newIdentity();
        const body = buildActionDoc();
        const actionId = await create(identity, { ...body, user_id: 'someone-else', project_id: 'elsewhere', _version: 7 });
        const got = await getAction(identity, actionId);
        expect(got.body).toEqual(stored(identity, actionId, body));
      });

      it('answers 409 when the caller already has the action_id, and keeps the first document', async () => {
        const identity = newIdentity();
        const first = buildActionDoc({ action_id: 'dup-action' });
        await create(identity, first);
        const res = await request(server)
          .post(base(identity))
          .set(identityHeaders(identity))
          .send(buildActionDoc({ action_id: 'dup-action', max_retries: 1 }));
        expect(res.status).toBe(409);
        expect(res.body).toEqual(expectedErrors.conflict('Action already registered with ID dup-action'));
        const got = await getAction(identity, 'dup-action');
        expect(got.body).toEqual(stored(identity, 'dup-action', first));
        expect(got.headers.etag).toBe('"1"');
      });

      it.each([
        ['no body', undefined],
        ['an empty object', {}],
      ])('answers 400 Missing request body for %s', async (_what, body) => {
        const identity = newIdentity();
        const req = request(server).post(base(identity)).set(identityHeaders(identity));
        const res = body === undefined ? await req : await req.send(body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest('Missing request body'));
      });

      it.each([
        ['freezer_action is missing', { max_retries: 2 }, "'freezer_action' is a required property"],
        ['freezer_action is not an object', { freezer_action: 'backup' }, "'backup' is not of type 'object'"],
        ['freezer_action is a list', { freezer_action: [] }, "[] is not of type 'object'"],
        ['freezer_action.mode has a space', { freezer_action: { action: 'backup', mode: 'a b' } }, ID_MISMATCH('a b')],
        ['freezer_action.action has a slash', { freezer_action: { action: 'back/up' } }, ID_MISMATCH('back/up')],
        ['max_retries is not an integer', { freezer_action: { action: 'backup' }, max_retries: 'x' }, "'x' is not of type 'integer'"],
        ['mandatory is not a boolean', { freezer_action: { action: 'backup' }, mandatory: 'yes' }, "'yes' is not of type 'boolean'"],
        ['the body action_id has a space', { action_id: 'bad id', freezer_action: { action: 'backup' } }, ID_MISMATCH('bad id')],
      ])('answers 400 when %s, and stores nothing', async (_what, body, description) => {
        const identity = newIdentity();
        const res = await request(server).post(base(identity)).set(identityHeaders(identity)).send(body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(description));
        await expect(listActions(identity)).resolves.toEqual([]);
      });

      it('answers 400 for a body that is not an object', async () => {
        const identity = newIdentity();
        const res = await request(server).post(base(identity)).set(identityHeaders(identity)).send([buildActionDoc()]);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest());
      });

      it('accepts a freezer_action without action (§14 #24: no NOT NULL column behind it)', async () => {
        const identity = newIdentity();
        const body = { freezer_action: { mode: 'fs', path_to_backup: '/srv' } };
        const actionId = await create(identity, body);
        await expect(getAction(identity, actionId)).resolves.toMatchObject({ status: 200, body: stored(identity, actionId, body) });
      });

      it('stores and answers null for every agent option freezer 2026 makes nullable (upstream §4.1)', async () => {
        const identity = newIdentity();
        const nulls = { mode: null, backup_name: null, restore_abs_path: null, path_to_backup: null, container: null, cindernative_freezer_only: null };
        const body = { freezer_action: { action: 'backup', storage: 'swift', ...nulls }, max_retries: 2 };
        const actionId = await create(identity, body);
        const got = await getAction(identity, actionId);
        expect(got.status).toBe(200);
        // toEqual tells a null from a missing key: each null is there, as sent
        expect(got.body).toEqual(stored(identity, actionId, body));
        expect(Object.entries(got.body.freezer_action as Doc).filter(([, value]) => value === null).map(([key]) => key).sort()).toEqual(Object.keys(nulls).sort());
        const listed = await listActions(identity);
        expect(listed).toEqual([got.body]);
      });
    });

    describe(`GET ${api.route}/:action_id`, () => {
      it('returns the stored document verbatim with the defaults, no invented null keys (§14 #24), ETag "1"', async () => {
        const identity = newIdentity();
        const body = { freezer_action: { action: 'backup', path_to_backup: '/etc' } };
        const actionId = await create(identity, body);
        const res = await getAction(identity, actionId);
        expect(res.status).toBe(200);
        expect(res.headers.etag).toBe('"1"');
        expect(res.body).toEqual({
          action_id: actionId,
          user_id: identity.userId,
          project_id: identity.projectId,
          freezer_action: { action: 'backup', path_to_backup: '/etc' },
          mandatory: false,
          max_retries: 5,
          max_retries_interval: 6,
        });
        expect(res.body).not.toHaveProperty('_version');
      });

      it('round-trips unknown keys, nested values and explicit settings (D14)', async () => {
        const identity = newIdentity();
        const body = {
          freezer_action: buildFreezerAction({ exclude: ['*.tmp', '*.log'], ssh: { host: 'h', port: 22 }, dry_run: null, level: 1.5 }),
          mandatory: true,
          max_retries: 0,
          max_retries_interval: 120,
          comment: 'from the web UI',
          labels: { tier: 'gold', owners: ['ops', 'dba'] },
        };
        const actionId = await create(identity, body);
        const res = await getAction(identity, actionId);
        expect(res.body).toEqual(stored(identity, actionId, body));
      });

      it('answers 404 JSON for a missing id', async () => {
        const identity = newIdentity();
        const res = await getAction(identity, 'no-such-action');
        expect(res.status).toBe(404);
        expect(res.body).toEqual(expectedErrors.notFound('No action found with ID no-such-action'));
      });
    });

    describe(`GET ${api.route}`, () => {
      it('answers {"actions": []} when the caller has none', async () => {
        await expect(listActions(newIdentity())).resolves.toEqual([]);
      });

      it('lists the caller\'s actions in creation order, exactly as GET returns them', async () => {
        const identity = newIdentity();
        const bodies = [buildActionDoc(), buildActionDoc({ mandatory: true }), { freezer_action: { action: 'info' } }];
        const ids: string[] = [];
        for (const body of bodies) ids.push(await create(identity, body));
        await expect(listActions(identity)).resolves.toEqual(bodies.map((body, i) => stored(identity, ids[i], body)));
      });

      it('pages with limit and offset, and the pages add up to the whole list', async () => {
        const identity = newIdentity();
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) ids.push(await create(identity));
        const page1 = await listActions(identity, '?limit=5');
        const page2 = await listActions(identity, '?limit=3&offset=5');
        expect([...page1, ...page2].map((doc) => doc.action_id)).toEqual(ids);
        expect((await listActions(identity, '?limit=100')).map((doc) => doc.action_id)).toEqual(ids);
      });

      it('answers 400 Invalid parameter for a bad limit', async () => {
        const identity = newIdentity();
        const res = await request(server).get(`${base(identity)}?limit=ten`).set(identityHeaders(identity));
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.invalidParameter('limit'));
      });

      it('filters with match on a freezer_action key, match_not, and _all free text', async () => {
        const identity = newIdentity();
        const etc = await create(identity, buildActionDoc({ freezer_action: buildFreezerAction({ backup_name: 'etc-nightly' }) }));
        const home = await create(identity, buildActionDoc({ freezer_action: buildFreezerAction({ backup_name: 'home-weekly', mode: 'mysql' }) }));
        const ids = (docs: Doc[]) => docs.map((doc) => doc.action_id);
        await expect(listActions(identity, '', { match: [{ backup_name: 'etc-nightly' }] }).then(ids)).resolves.toEqual([etc]);
        await expect(listActions(identity, '', { match: [{ 'freezer_action.mode': 'mysql' }] }).then(ids)).resolves.toEqual([home]);
        await expect(listActions(identity, '', { match_not: [{ mode: 'mysql' }] }).then(ids)).resolves.toEqual([etc]);
        await expect(listActions(identity, '', { match: [{ _all: 'HOME-WEEK' }] }).then(ids)).resolves.toEqual([home]);
        await expect(listActions(identity, '', { match: [{ backup_name: 'nothing-like-it' }] })).resolves.toEqual([]);
      });

      it('answers 400 for a malformed search body', async () => {
        const identity = newIdentity();
        const res = await request(server).get(base(identity)).set(identityHeaders(identity)).send({ match: { mode: 'fs' } });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest());
      });
    });

    describe(`PATCH ${api.route}/:action_id`, () => {
      async function patch(identity: Identity, actionId: string, body: unknown, headers: Record<string, string> = {}) {
        return request(server)
          .patch(`${base(identity)}/${actionId}`)
          .set({ ...identityHeaders(identity), ...headers })
          .send(body as object);
      }

      it('merges freezer_action key by key and keeps the settings the body leaves out (D7, §14 #1)', async () => {
        const identity = newIdentity();
        const body = {
          freezer_action: { action: 'backup', mode: 'fs', backup_name: 'old', path_to_backup: '/etc', ssh: { host: 'a', port: 22 } },
          max_retries: 3,
          max_retries_interval: 30,
          mandatory: true,
        };
        const actionId = await create(identity, body);
        const res = await patch(identity, actionId, { freezer_action: { backup_name: 'new', storage: 'local', ssh: { port: 2222 } } });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ action_id: actionId, version: 2 });
        const got = await getAction(identity, actionId);
        expect(got.headers.etag).toBe('"2"');
        expect(got.body).toEqual(
          stored(identity, actionId, {
            freezer_action: {
              action: 'backup',
              mode: 'fs',
              backup_name: 'new',
              path_to_backup: '/etc',
              storage: 'local',
              ssh: { host: 'a', port: 2222 },
            },
            max_retries: 3,
            max_retries_interval: 30,
            mandatory: true,
          }),
        );
      });

      it('replaces arrays and scalars, sets null, and adds new top-level keys', async () => {
        const identity = newIdentity();
        const actionId = await create(identity, { freezer_action: { action: 'backup', exclude: ['a', 'b'], storage: 'swift' } });
        const res = await patch(identity, actionId, { freezer_action: { exclude: ['z'], storage: null }, max_retries: 9, note: 'x' });
        expect(res.status).toBe(200);
        const got = await getAction(identity, actionId);
        expect(got.body).toEqual(
          stored(identity, actionId, { freezer_action: { action: 'backup', exclude: ['z'], storage: null }, max_retries: 9, note: 'x' }),
        );
      });

      it('ignores action_id, user_id, project_id and _version in the body', async () => {
        const identity = newIdentity();
        const body = buildActionDoc();
        const actionId = await create(identity, body);
        const res = await patch(identity, actionId, {
          action_id: 'renamed',
          user_id: 'someone-else',
          project_id: 'elsewhere',
          _version: 42,
          mandatory: true,
        });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ action_id: actionId, version: 2 });
        const got = await getAction(identity, actionId);
        expect(got.body).toEqual(stored(identity, actionId, { ...body, mandatory: true }));
        await expect(getAction(identity, 'renamed')).resolves.toMatchObject({ status: 404 });
      });

      it('counts the version up by one per write', async () => {
        const identity = newIdentity();
        const actionId = await create(identity);
        for (const version of [2, 3, 4]) {
          const res = await patch(identity, actionId, { max_retries: version });
          expect(res.body).toEqual({ action_id: actionId, version });
        }
        await expect(getAction(identity, actionId)).resolves.toMatchObject({ headers: { etag: '"4"' }, body: { max_retries: 4 } });
      });

      it.each([
        [{ freezer_action: { mode: 'a b' } }, ID_MISMATCH('a b')],
        [{ freezer_action: 'restore' }, "'restore' is not of type 'object'"],
        [{ max_retries_interval: 1.5 }, "1.5 is not of type 'integer'"],
      ])('answers 400 for %j and changes nothing', async (body, description) => {
        const identity = newIdentity();
        const original = buildActionDoc();
        const actionId = await create(identity, original);
        const res = await patch(identity, actionId, body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(description));
        await expect(getAction(identity, actionId)).resolves.toMatchObject({ headers: { etag: '"1"' }, body: stored(identity, actionId, original) });
      });

      it('answers 400 Missing request body for an empty body', async () => {
        const identity = newIdentity();
        const actionId = await create(identity);
        const res = await request(server).patch(`${base(identity)}/${actionId}`).set(identityHeaders(identity));
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest('Missing request body'));
      });

      it('answers 404 for a missing id', async () => {
        const identity = newIdentity();
        const res = await patch(identity, 'no-such-action', { max_retries: 1 });
        expect(res.status).toBe(404);
        expect(res.body).toEqual(expectedErrors.notFound('No action found with ID no-such-action'));
        await expect(listActions(identity)).resolves.toEqual([]);
      });

      it('applies with a matching If-Match and answers 412 with a stale one, changing nothing (D6)', async () => {
        const identity = newIdentity();
        const actionId = await create(identity);
        await expect(patch(identity, actionId, { max_retries: 1 }, { 'If-Match': '"1"' })).resolves.toMatchObject({
          status: 200,
          body: { action_id: actionId, version: 2 },
        });
        const stale = await patch(identity, actionId, { max_retries: 7 }, { 'If-Match': '"1"' });
        expect(stale.status).toBe(412);
        expect(stale.body).toEqual(expectedErrors.preconditionFailed());
        await expect(getAction(identity, actionId)).resolves.toMatchObject({ headers: { etag: '"2"' }, body: { max_retries: 1 } });
        await expect(patch(identity, actionId, { max_retries: 2 }, { 'If-Match': 'W/"9", W/"2"' })).resolves.toMatchObject({ status: 200 });
        await expect(patch(identity, actionId, { max_retries: 3 }, { 'If-Match': '*' })).resolves.toMatchObject({
          body: { action_id: actionId, version: 4 },
        });
      });

      it('answers 404 before 412 for a missing id', async () => {
        const identity = newIdentity();
        const res = await patch(identity, 'never-made', { max_retries: 1 }, { 'If-Match': '"1"' });
        expect(res.status).toBe(404);
      });
    });

    for (const method of ['post', 'put'] as const) {
      describe(`${method.toUpperCase()} ${api.route}/:action_id`, () => {
        function replace(identity: Identity, actionId: string, body?: unknown, headers: Record<string, string> = {}) {
          const req = request(server)[method](`${base(identity)}/${actionId}`).set({ ...identityHeaders(identity), ...headers });
          return body === undefined ? req : req.send(body as object);
        }

        it('replaces the whole document: 201 {action_id, version} and the old keys are gone (tempest)', async () => {
          const identity = newIdentity();
          const actionId = await create(identity, buildActionDoc({ mandatory: true, note: 'old' }));
          const body = { freezer_action: { action: 'backup', backup_name: 'replaced-name' } };
          const res = await replace(identity, actionId, body);
          expect(res.status).toBe(201);
          expect(res.body).toEqual({ action_id: actionId, version: 2 });
          const got = await getAction(identity, actionId);
          expect(got.headers.etag).toBe('"2"');
          expect(got.body).toEqual(stored(identity, actionId, body));
        });

        it('creates the action with the path id when the caller has none (upsert, D8)', async () => {
          const identity = newIdentity();
          const body = buildActionDoc();
          const res = await replace(identity, 'made-by-replace', body);
          expect(res.status).toBe(201);
          expect(res.body).toEqual({ action_id: 'made-by-replace', version: 1 });
          await expect(getAction(identity, 'made-by-replace')).resolves.toMatchObject({
            status: 200,
            headers: { etag: '"1"' },
            body: stored(identity, 'made-by-replace', body),
          });
        });

        it('takes the id from the path, not the body', async () => {
          const identity = newIdentity();
          const body = buildActionDoc();
          const res = await replace(identity, 'path-id', { ...body, action_id: 'body-id', user_id: 'x', project_id: 'y' });
          expect(res.body).toEqual({ action_id: 'path-id', version: 1 });
          await expect(getAction(identity, 'path-id')).resolves.toMatchObject({ body: stored(identity, 'path-id', body) });
          await expect(getAction(identity, 'body-id')).resolves.toMatchObject({ status: 404 });
        });

        it('lets two racing replaces of the same new id both succeed, the last one winning (D8)', async () => {
          const identity = newIdentity();
          const bodies = [buildActionDoc({ note: 'first' }), buildActionDoc({ note: 'second' })];
          const results = await Promise.all(bodies.map((body) => replace(identity, 'raced', body)));
          expect(results.map((res) => res.status)).toEqual([201, 201]);
          expect(results.map((res) => res.body.version).sort()).toEqual([1, 2]);
          const winner = bodies[results.findIndex((res) => res.body.version === 2)];
          await expect(getAction(identity, 'raced')).resolves.toMatchObject({
            headers: { etag: '"2"' },
            body: stored(identity, 'raced', winner),
          });
        });

        it.each([
          ['no body', undefined, 'Missing request body'],
          ['no freezer_action', { max_retries: 1 }, "'freezer_action' is a required property"],
          ['a bad mode', { freezer_action: { mode: 'a b' } }, ID_MISMATCH('a b')],
        ])('answers 400 for %s and changes nothing', async (_what, body, description) => {
          const identity = newIdentity();
          const original = buildActionDoc();
          const actionId = await create(identity, original);
          const res = await replace(identity, actionId, body);
          expect(res.status).toBe(400);
          expect(res.body).toEqual(expectedErrors.badRequest(description));
          await expect(getAction(identity, actionId)).resolves.toMatchObject({ headers: { etag: '"1"' }, body: stored(identity, actionId, original) });
        });

        it('answers 400 for a path id outside ^[\\w-]+$', async () => {
          const identity = newIdentity();
          const res = await replace(identity, 'bad%20id', buildActionDoc());
          expect(res.status).toBe(400);
          expect(res.body).toEqual(expectedErrors.badRequest(ID_MISMATCH('bad id')));
        });

        it('answers 412 for a stale If-Match and keeps the document', async () => {
          const identity = newIdentity();
          const original = buildActionDoc();
          const actionId = await create(identity, original);
          const res = await replace(identity, actionId, buildActionDoc(), { 'If-Match': '"5"' });
          expect(res.status).toBe(412);
          expect(res.body).toEqual(expectedErrors.preconditionFailed());
          await expect(getAction(identity, actionId)).resolves.toMatchObject({ body: stored(identity, actionId, original) });
          await expect(replace(identity, actionId, original, { 'If-Match': '"1"' })).resolves.toMatchObject({
            status: 201,
            body: { action_id: actionId, version: 2 },
          });
        });
      });
    }

    describe(`DELETE ${api.route}/:action_id`, () => {
      function remove(identity: Identity, actionId: string, headers: Record<string, string> = {}) {
        return request(server).delete(`${base(identity)}/${actionId}`).set({ ...identityHeaders(identity), ...headers });
      }

      it('answers 204 with no body and the action is gone', async () => {
        const identity = newIdentity();
        const actionId = await create(identity);
        const res = await remove(identity, actionId);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
        await expect(getAction(identity, actionId)).resolves.toMatchObject({ status: 404 });
        await expect(listActions(identity)).resolves.toEqual([]);
      });

      if (api.name === 'v2') {
        it('answers 204 for a missing id (§14 #30)', async () => {
          const identity = newIdentity();
          await expect(remove(identity, 'no-such-action')).resolves.toMatchObject({ status: 204 });
        });
      } else {
        it('answers 404 "No action found with ID:<id>" for a missing id', async () => {
          const identity = newIdentity();
          const res = await remove(identity, 'no-such-action');
          expect(res.status).toBe(404);
          expect(res.body).toEqual(expectedErrors.notFound('No action found with ID:no-such-action'));
        });
      }

      it('lets a deleted id be created again, at version 1 (D6, D17)', async () => {
        const identity = newIdentity();
        const actionId = await create(identity, buildActionDoc({ action_id: 'reused-id' }));
        await request(server).patch(`${base(identity)}/${actionId}`).set(identityHeaders(identity)).send({ max_retries: 1 });
        await expect(remove(identity, actionId)).resolves.toMatchObject({ status: 204 });
        const body = buildActionDoc({ action_id: 'reused-id' });
        await create(identity, body);
        await expect(getAction(identity, 'reused-id')).resolves.toMatchObject({ headers: { etag: '"1"' }, body: stored(identity, 'reused-id', body) });
      });

      it('answers 412 for a stale If-Match and keeps the action', async () => {
        const identity = newIdentity();
        const actionId = await create(identity);
        const res = await remove(identity, actionId, { 'If-Match': '"2"' });
        expect(res.status).toBe(412);
        expect(res.body).toEqual(expectedErrors.preconditionFailed());
        await expect(getAction(identity, actionId)).resolves.toMatchObject({ status: 200 });
        await expect(remove(identity, actionId, { 'If-Match': '"1"' })).resolves.toMatchObject({ status: 204 });
      });
    });

    describe(`${api.route}: another user's action`, () => {
      it('is invisible, cannot be changed, and stays as it was (D4)', async () => {
        const owner = newIdentity();
        const other = newIdentity({ projectId: owner.projectId });
        const body = buildActionDoc();
        const actionId = await create(owner, body);

        await expect(getAction(other, actionId)).resolves.toMatchObject({ status: 404, body: expectedErrors.notFound() });
        await expect(listActions(other)).resolves.toEqual([]);
        await expect(listActions(other, '', { match: [{ action_id: actionId }] })).resolves.toEqual([]);
        const patched = await request(server).patch(`${base(other)}/${actionId}`).set(identityHeaders(other)).send({ max_retries: 0 });
        expect(patched.status).toBe(404);
        expect(patched.body).toEqual(expectedErrors.notFound(`No action found with ID ${actionId}`));
        const deleted = await request(server).delete(`${base(other)}/${actionId}`).set(identityHeaders(other));
        expect(deleted.status).toBe(api.name === 'v2' ? 204 : 404);

        const got = await getAction(owner, actionId);
        expect(got.headers.etag).toBe('"1"');
        expect(got.body).toEqual(stored(owner, actionId, body));
      });

      it('does not stop another user from creating or replacing the same id: each gets their own (D4, §14 #7)', async () => {
        const owner = newIdentity();
        const other = newIdentity({ projectId: owner.projectId });
        const mine = buildActionDoc({ action_id: 'shared-name' });
        const theirs = buildActionDoc({ action_id: 'shared-name', mandatory: true });
        await create(owner, mine);
        await create(other, theirs);
        const replaced = await request(server).post(`${base(other)}/shared-name`).set(identityHeaders(other)).send(buildActionDoc({ note: 'r' }));
        expect(replaced.body).toEqual({ action_id: 'shared-name', version: 2 });
        await expect(getAction(owner, 'shared-name')).resolves.toMatchObject({ headers: { etag: '"1"' }, body: stored(owner, 'shared-name', mine) });
      });
    });
  }

  describe('/v2/:project_id/actions: project scoping', () => {
    it('answers 403 on every route when the path project is not the caller\'s (D5)', async () => {
      const identity = newIdentity();
      const actionId = await (async () => {
        const res = await request(server).post(`/v2/${identity.projectId}/actions`).set(identityHeaders(identity)).send(buildActionDoc());
        return res.body.action_id as string;
      })();
      const foreign = `/v2/not-${identity.projectId}/actions`;
      const headers = identityHeaders(identity);
      const responses = await Promise.all([
        request(server).get(foreign).set(headers),
        request(server).post(foreign).set(headers).send(buildActionDoc()),
        request(server).get(`${foreign}/${actionId}`).set(headers),
        request(server).patch(`${foreign}/${actionId}`).set(headers).send({ max_retries: 0 }),
        request(server).post(`${foreign}/${actionId}`).set(headers).send(buildActionDoc()),
        request(server).put(`${foreign}/${actionId}`).set(headers).send(buildActionDoc()),
        request(server).delete(`${foreign}/${actionId}`).set(headers),
      ]);
      for (const res of responses) {
        expect(res.status).toBe(403);
        expect(res.body).toEqual(expectedErrors.forbidden());
      }
      const got = await request(server).get(`/v2/${identity.projectId}/actions/${actionId}`).set(headers);
      expect(got.headers.etag).toBe('"1"');
    });

    it('does not show an action of one project under another project of the same user', async () => {
      const userId = newIdentity().userId;
      const first = newIdentity({ userId });
      const second = newIdentity({ userId });
      const res = await request(server).post(`/v2/${first.projectId}/actions`).set(identityHeaders(first)).send(buildActionDoc());
      const got = await request(server).get(`/v2/${second.projectId}/actions/${res.body.action_id}`).set(identityHeaders(second));
      expect(got.status).toBe(404);
      const listed = await request(server).get(`/v2/${second.projectId}/actions`).set(identityHeaders(second));
      expect(listed.body).toEqual({ actions: [] });
    });

    it('answers 409 to a create or replace of an id the same user holds in another project (D4)', async () => {
      const userId = newIdentity().userId;
      const first = newIdentity({ userId });
      const second = newIdentity({ userId });
      await request(server).post(`/v2/${first.projectId}/actions`).set(identityHeaders(first)).send(buildActionDoc({ action_id: 'in-first' }));
      const created = await request(server)
        .post(`/v2/${second.projectId}/actions`)
        .set(identityHeaders(second))
        .send(buildActionDoc({ action_id: 'in-first' }));
      expect(created.status).toBe(409);
      expect(created.body).toEqual(expectedErrors.conflict());
      const replaced = await request(server).put(`/v2/${second.projectId}/actions/in-first`).set(identityHeaders(second)).send(buildActionDoc());
      expect(replaced.status).toBe(409);
      expect(replaced.body).toEqual(expectedErrors.conflict());
      const got = await request(server).get(`/v2/${first.projectId}/actions/in-first`).set(identityHeaders(first));
      expect(got.headers.etag).toBe('"1"');
    });

    it('shows v1 writes in v2 under the caller\'s project, and v2 writes in v1 (D4)', async () => {
      const identity = newIdentity();
      const headers = identityHeaders(identity);
      const viaV1 = await request(server).post('/v1/actions').set(headers).send(buildActionDoc());
      const viaV2 = await request(server).post(`/v2/${identity.projectId}/actions`).set(headers).send(buildActionDoc());
      const v1List = await request(server).get('/v1/actions').set(headers);
      const v2List = await request(server).get(`/v2/${identity.projectId}/actions`).set(headers);
      const ids = [viaV1.body.action_id, viaV2.body.action_id];
      expect(v1List.body.actions.map((doc: Doc) => doc.action_id)).toEqual(ids);
      expect(v2List.body.actions.map((doc: Doc) => doc.action_id)).toEqual(ids);
    });
  });
});
