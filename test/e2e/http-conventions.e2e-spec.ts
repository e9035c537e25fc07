// SPDX-License-Identifier: Apache-2.0
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { createScratchDatabase } from '../utils/test-database.js';

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// What must never reach a client (D3): SQL text, a stack frame, an internal class or driver name.
const LEAK = /\b(SELECT|INSERT|UPDATE|DELETE FROM|relation|violates|QueryFailedError|TypeORM|node_modules)\b|\n\s+at |\.(js|ts):\d+/;

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

// supertest always adds a Content-Type to a body; freezer's clients sometimes send none.
function rawRequest(url: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Every error is exactly {title, description} (D3, D19), JSON, varies on Accept and leaks nothing.
function expectError(res: { status: number; body: unknown; text: string; headers: Record<string, string> }, status: number, body: object): void {
  expect({ status: res.status, body: res.body }).toEqual({ status, body });
  expect(Object.keys(res.body as object).sort()).toEqual(['description', 'title']);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers.vary).toMatch(/\bAccept\b/);
  expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
  expect(res.text).not.toMatch(LEAK);
}

describe('HTTP conventions', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
  });

  const server = () => app.getHttpServer();

  async function createBackup(who: Identity, overrides: Record<string, unknown> = {}): Promise<string> {
    const res = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(buildBackupDoc(overrides));
    expect(res.status).toBe(201);
    return res.body.backup_id as string;
  }

  async function listBackups(who: Identity): Promise<unknown[]> {
    const res = await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who));
    expect(res.status).toBe(200);
    return res.body.backups as unknown[];
  }

  describe('400 Bad request format', () => {
    it('refuses a body that must be an object and is not', async () => {
      const who = newIdentity();
      const res = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send([buildBackupDoc()]);
      expectError(res, 400, expectedErrors.badRequest('The backup metadata must be a JSON object'));
      await expect(listBackups(who)).resolves.toEqual([]);
    });

    it('refuses a document that fails validation, with the reason', async () => {
      const who = newIdentity();
      const res = await request(server())
        .post(`/v2/${who.projectId}/backups`)
        .set(identityHeaders(who))
        .send(buildBackupDoc({ container: '' }));
      expectError(res, 400, expectedErrors.badRequest("The backup metadata needs a non-empty 'container'"));
    });

    it('refuses a search body that is not an object', async () => {
      const who = newIdentity();
      const res = await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(['match']);
      expectError(res, 400, expectedErrors.badRequest('The search document must be a JSON object'));
    });
  });

  describe('400 Malformed JSON', () => {
    it('names what the parser saw', async () => {
      const who = newIdentity();
      const res = await request(server())
        .post(`/v2/${who.projectId}/backups`)
        .set(identityHeaders(who))
        .set('Content-Type', 'application/json')
        .send('{"container": "c", ');
      expectError(res, 400, { title: 'Malformed JSON', description: expect.stringMatching(/^The request body is not valid JSON: /) });
      await expect(listBackups(who)).resolves.toEqual([]);
    });

    it('answers a body that is not valid UTF-8 with 400 and stores nothing', async () => {
      const who = newIdentity();
      const bytes = Buffer.concat([Buffer.from('{"container": "c'), Buffer.from([0xff, 0xfe]), Buffer.from('", "hostname": "h", "backup_name": "b"}')]);
      const res = await rawRequest(url, 'POST', `/v2/${who.projectId}/backups`, { ...identityHeaders(who), 'Content-Type': 'application/json' }, bytes);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({ title: 'Malformed JSON', description: 'The request body is not valid UTF-8' });
      await expect(listBackups(who)).resolves.toEqual([]);
    });
  });

  describe('what PostgreSQL cannot store (D14)', () => {
    it.each([
      ['a NUL character', '"etc\\u0000daily"', 'Strings may not contain the NUL character (\\u0000)'],
      ['a lone surrogate', '"etc\\ud800daily"', 'Strings may not contain unpaired UTF-16 surrogates'],
    ])('refuses %s in a value with 400 and stores nothing', async (_name, literal, description) => {
      const who = newIdentity();
      const text = `{"container": "c", "hostname": "h", "backup_name": ${literal}}`;
      const res = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).set('Content-Type', 'application/json').send(text);
      expectError(res, 400, expectedErrors.badRequest(description));
      await expect(listBackups(who)).resolves.toEqual([]);
    });

    it('refuses a NUL character in a key, at any depth', async () => {
      const who = newIdentity();
      const text = '{"container": "c", "hostname": "h", "backup_name": "b", "extra": {"deep": [{"k\\u0000": 1}]}}';
      const res = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).set('Content-Type', 'application/json').send(text);
      expectError(res, 400, expectedErrors.badRequest('Strings may not contain the NUL character (\\u0000)'));
      await expect(listBackups(who)).resolves.toEqual([]);
    });
  });

  describe('400 Invalid parameter', () => {
    it.each([
      ['limit=abc', 'limit', 'The "limit" parameter is invalid. The value must be an integer.'],
      ['limit=1.5', 'limit', 'The "limit" parameter is invalid. The value must be an integer.'],
      ['limit=-1', 'limit', 'The "limit" parameter is invalid. The value must be at least 0.'],
      ['limit=10001', 'limit', 'The "limit" parameter is invalid. The value must be at most 10000.'],
      ['offset=x', 'offset', 'The "offset" parameter is invalid. The value must be an integer.'],
      ['offset=-5', 'offset', 'The "offset" parameter is invalid. The value must be at least 0.'],
      ['marker=0123456789abcdef0123456789abcdef', 'marker', 'The "marker" parameter is invalid. The value must be the id of one of your documents.'],
    ])('GET /v2/:project_id/backups?%s', async (query, _name, description) => {
      const who = newIdentity();
      const res = await request(server()).get(`/v2/${who.projectId}/backups?${query}`).set(identityHeaders(who));
      expectError(res, 400, { title: 'Invalid parameter', description });
    });

    it('does not take another user\'s id as a marker', async () => {
      const owner = newIdentity();
      const other = newIdentity({ projectId: owner.projectId });
      const id = await createBackup(owner);
      const res = await request(server()).get(`/v2/${owner.projectId}/backups?marker=${id}`).set(identityHeaders(other));
      expectError(res, 400, expectedErrors.invalidParameter('marker'));
    });

    it('accepts limit=0 and a blank limit as the default, and takes the last of a repeated parameter', async () => {
      const who = newIdentity();
      for (let i = 0; i < 3; i++) await createBackup(who);
      for (const query of ['limit=0', 'limit=', 'limit=abc&limit=2', 'limit=2&all_projects=False']) {
        const res = await request(server()).get(`/v2/${who.projectId}/backups?${query}`).set(identityHeaders(who));
        expect({ query, status: res.status, count: res.body.backups?.length }).toEqual({
          query,
          status: 200,
          count: query.includes('2') ? 2 : 3,
        });
      }
    });
  });

  describe('401 Unauthorized', () => {
    it('answers an unusable identity with a JSON 401', async () => {
      const who = newIdentity();
      const res = await request(server())
        .get(`/v2/${who.projectId}/backups`)
        .set({ ...identityHeaders(who), 'X-User-Id': 'u'.repeat(256) });
      expectError(res, 401, { title: 'Unauthorized', description: 'The x-user-id header is not a valid identity' });
    });
  });

  describe('403 Access Forbidden (D5)', () => {
    it('refuses a path project other than the caller\'s', async () => {
      const who = newIdentity();
      const res = await request(server()).post(`/v2/${newIdentity().projectId}/backups`).set(identityHeaders(who)).send(buildBackupDoc());
      expectError(res, 403, expectedErrors.forbidden());
    });

    it('lets an admin use any path project', async () => {
      const admin = newIdentity({ roles: ['member', 'admin'] });
      const project = newIdentity().projectId;
      const created = await request(server()).post(`/v2/${project}/backups`).set(identityHeaders(admin)).send(buildBackupDoc());
      expect(created.status).toBe(201);
      const res = await request(server()).get(`/v2/${project}/backups/${created.body.backup_id}`).set(identityHeaders(admin));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ backup_id: created.body.backup_id, user_id: admin.userId, project_id: project });
    });
  });

  describe('404', () => {
    it('answers a missing document with a JSON 404 naming the id', async () => {
      const who = newIdentity();
      const id = '0123456789abcdef0123456789abcdef';
      const res = await request(server()).get(`/v2/${who.projectId}/backups/${id}`).set(identityHeaders(who));
      expectError(res, 404, expectedErrors.notFound(`No backup found with ID ${id}`));
    });

    it.each([['/v2/p1/nothing'], ['/v3'], ['/v2/p1'], ['/v1/nothing/deeper']])('answers the unknown route %s with 404 Not Found', async (path) => {
      const res = await request(server()).get(path).set(identityHeaders(newIdentity({ projectId: 'p1' })));
      expectError(res, 404, { title: '404 Not Found', description: `The resource ${path} does not exist` });
    });
  });

  describe('405 Method Not Allowed', () => {
    it.each([
      ['put', '/v2/p1/backups/0123456789abcdef0123456789abcdef', 'DELETE, GET, HEAD, PATCH'],
      ['patch', '/v2/p1/backups', 'GET, HEAD, POST'],
      ['post', '/v1/clients/c1', 'DELETE, GET, HEAD'],
      ['delete', '/', 'GET, HEAD'],
    ] as const)('%s %s gives 405 with an Allow header', async (method, path, allow) => {
      const res = await request(server())[method](path).set(identityHeaders(newIdentity({ projectId: 'p1' })));
      expectError(res, 405, { title: '405 Method Not Allowed', description: `${method.toUpperCase()} is not allowed here; allowed: ${allow}` });
      expect(res.headers.allow).toBe(allow);
    });
  });

  describe('406 Not Acceptable', () => {
    it('refuses an Accept header that excludes JSON', async () => {
      const who = newIdentity();
      const res = await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).set('Accept', 'text/html');
      expectError(res, 406, expectedErrors.notAcceptable());
    });

    it('accepts a missing Accept, */*, application/json and a list that includes JSON', async () => {
      const who = newIdentity();
      for (const accept of ['*/*', 'application/json', 'text/html, application/json;q=0.5', 'application/*']) {
        const res = await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).set('Accept', accept);
        expect({ accept, status: res.status }).toEqual({ accept, status: 200 });
      }
      const bare = await rawRequest(url, 'GET', `/v2/${who.projectId}/backups`, identityHeaders(who));
      expect({ status: bare.status, body: JSON.parse(bare.text) }).toEqual({ status: 200, body: { backups: [] } });
    });
  });

  describe('409 Document already existing', () => {
    it('answers a client_id the same user registered in another project', async () => {
      const who = newIdentity({ roles: ['admin'] });
      const doc = buildClientDoc();
      const first = await request(server()).post(`/v2/${who.projectId}/clients`).set(identityHeaders(who)).send(doc);
      expect(first.status).toBe(201);
      const second = await request(server()).post(`/v2/${who.projectId}-other/clients`).set(identityHeaders(who)).send(doc);
      expectError(second, 409, expectedErrors.conflict(`Client already registered with ID ${String(doc.client_id)}`));
    });
  });

  describe('412 Precondition Failed', () => {
    it('keeps a document whose version If-Match does not match, deletes it when it does', async () => {
      const who = newIdentity();
      const id = await createBackup(who);
      const path = `/v2/${who.projectId}/backups/${id}`;
      const refused = await request(server()).delete(path).set(identityHeaders(who)).set('If-Match', '"7", W/"8"');
      expectError(refused, 412, { title: 'Precondition Failed', description: 'If-Match does not match the current version "1"' });
      expect((await request(server()).get(path).set(identityHeaders(who))).status).toBe(200);

      const accepted = await request(server()).delete(path).set(identityHeaders(who)).set('If-Match', 'W/"1"');
      expect(accepted.status).toBe(204);
      expect((await request(server()).get(path).set(identityHeaders(who))).status).toBe(404);
    });
  });

  describe('413 Payload Too Large', () => {
    let small: NestExpressApplication;

    beforeAll(async () => {
      small = await createTestApp({ BODY_LIMIT: '2kb' });
    });
    afterAll(async () => {
      await small.close();
    });

    it('refuses a body over BODY_LIMIT, naming the limit, and stores nothing', async () => {
      const who = newIdentity();
      const res = await request(small.getHttpServer())
        .post(`/v2/${who.projectId}/backups`)
        .set(identityHeaders(who))
        .send(buildBackupDoc({ padding: 'x'.repeat(3000) }));
      expectError(res, 413, { title: 'Payload Too Large', description: 'The request body is larger than the limit of 2048 bytes' });
      const list = await request(small.getHttpServer()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who));
      expect(list.body).toEqual({ backups: [] });
    });

    it('accepts a body under the limit', async () => {
      const who = newIdentity();
      const res = await request(small.getHttpServer())
        .post(`/v2/${who.projectId}/backups`)
        .set(identityHeaders(who))
        .send(buildBackupDoc({ padding: 'x'.repeat(1000) }));
      expect(res.status).toBe(201);
    });
  });

  describe('x-openstack-request-id', () => {
    it('is a fresh req-<uuid> on every response: success, error and public routes', async () => {
      const who = newIdentity();
      const answers = [
        await request(server()).get('/'),
        await request(server()).get('/healthcheck'),
        await request(server()).head('/healthcheck'),
        await request(server()).get('/readyz'),
        await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)),
        await request(server()).get('/nowhere'),
        await request(server()).put(`/v2/${who.projectId}/backups`).set(identityHeaders(who)),
        await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).set('Accept', 'text/html'),
        await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(newIdentity())),
        await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).set('Content-Type', 'application/json').send('{'),
      ];
      const ids = answers.map((res) => res.headers['x-openstack-request-id']);
      for (const id of ids) expect(id).toMatch(REQUEST_ID);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('keeps the caller\'s value, adding the req- prefix when missing', async () => {
      const cases = [
        ['abc-123', 'req-abc-123'],
        ['req-0f1e2d', 'req-0f1e2d'],
      ];
      for (const [sent, expected] of cases) {
        for (const path of ['/', '/nowhere', '/v2/p1/backups']) {
          const res = await request(server()).get(path).set('X-Openstack-Request-Id', sent);
          expect({ path, id: res.headers['x-openstack-request-id'] }).toEqual({ path, id: expected });
        }
      }
    });

    it('replaces a value that is not a plain token with a fresh one', async () => {
      const res = await request(server()).get('/').set('X-Openstack-Request-Id', 'a b<script>');
      expect(res.headers['x-openstack-request-id']).toMatch(REQUEST_ID);
    });
  });

  describe('routing and bodies', () => {
    it('serves collection and item URLs with a trailing slash', async () => {
      const who = newIdentity();
      const created = await request(server()).post(`/v2/${who.projectId}/backups/`).set(identityHeaders(who)).send(buildBackupDoc());
      expect(created.status).toBe(201);
      const list = await request(server()).get(`/v2/${who.projectId}/backups/?limit=5`).set(identityHeaders(who));
      expect(list.status).toBe(200);
      expect(list.body.backups).toHaveLength(1);
      const one = await request(server()).get(`/v2/${who.projectId}/backups/${created.body.backup_id}/`).set(identityHeaders(who));
      expect(one.status).toBe(200);
      expect(one.body.backup_id).toBe(created.body.backup_id);
    });

    it('parses a JSON body sent without a Content-Type, or as text/plain', async () => {
      const who = newIdentity();
      const doc = buildBackupDoc();
      const bare = await rawRequest(url, 'POST', `/v2/${who.projectId}/backups`, identityHeaders(who), Buffer.from(JSON.stringify(doc)));
      expect(bare.status).toBe(201);
      const plain = await request(server())
        .post(`/v2/${who.projectId}/backups`)
        .set(identityHeaders(who))
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(doc));
      expect(plain.status).toBe(201);
      const ids = [JSON.parse(bare.text).backup_id, plain.body.backup_id];
      for (const id of ids) {
        const res = await request(server()).get(`/v2/${who.projectId}/backups/${id}`).set(identityHeaders(who));
        expect(res.body).toEqual({ backup_id: id, user_id: who.userId, user_name: null, project_id: who.projectId, status: 'available', backup_metadata: doc });
      }
    });

    it('reads the search document from the body of a GET', async () => {
      const who = newIdentity();
      const wanted = await createBackup(who, { backup_name: 'wanted-one' });
      await createBackup(who, { backup_name: 'other-one' });
      const res = await request(server())
        .get(`/v2/${who.projectId}/backups`)
        .set(identityHeaders(who))
        .send({ match: [{ backup_name: 'wanted-one' }] });
      expect(res.status).toBe(200);
      expect(res.body.backups.map((b: { backup_id: string }) => b.backup_id)).toEqual([wanted]);
    });
  });

  describe('HEAD and OPTIONS', () => {
    it('answers HEAD on a GET route like GET, without a body', async () => {
      const who = newIdentity();
      const id = await createBackup(who);
      const res = await rawRequest(url, 'HEAD', `/v2/${who.projectId}/backups/${id}`, identityHeaders(who));
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers.etag).toBe('"1"');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const missing = await rawRequest(url, 'HEAD', `/v2/${who.projectId}/backups/0123456789abcdef0123456789abcdef`, identityHeaders(who));
      expect({ status: missing.status, text: missing.text }).toEqual({ status: 404, text: '' });
    });

    it('answers HEAD /healthcheck with 204', async () => {
      const res = await rawRequest(url, 'HEAD', '/healthcheck', {});
      expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
    });

    it.each([
      ['/v2/p1/backups', 'GET, HEAD, POST, OPTIONS'],
      ['/v2/p1/backups/0123456789abcdef0123456789abcdef', 'DELETE, GET, HEAD, PATCH, OPTIONS'],
      ['/v1/clients/', 'GET, HEAD, POST, OPTIONS'],
    ])('OPTIONS %s lists the allowed methods', async (path, allow) => {
      const res = await request(server()).options(path);
      expect(res.status).toBe(200);
      expect(res.headers.allow).toBe(allow);
      expect(res.headers['x-openstack-request-id']).toMatch(REQUEST_ID);
    });

    it('OPTIONS on an unknown route is a 404', async () => {
      const res = await request(server()).options('/v2/p1/nothing');
      expectError(res, 404, expectedErrors.routeNotFound());
    });
  });

  describe('health', () => {
    it('GET /healthcheck answers OK as text, or as JSON when asked', async () => {
      const text = await request(server()).get('/healthcheck');
      expect({ status: text.status, type: text.headers['content-type'], text: text.text }).toEqual({
        status: 200,
        type: expect.stringMatching(/^text\/plain/),
        text: 'OK',
      });
      const json = await request(server()).get('/healthcheck').set('Accept', 'application/json');
      expect({ status: json.status, body: json.body }).toEqual({ status: 200, body: { detailed: false, reasons: ['OK'] } });
    });

    it('GET /readyz answers ready when the database answers', async () => {
      const res = await request(server()).get('/readyz');
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { status: 'ready' } });
    });
  });

  describe('500 Internal Server Error', () => {
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
    let bare: NestExpressApplication;

    // A database without the schema makes every query fail inside PostgreSQL.
    beforeAll(async () => {
      scratch = await createScratchDatabase('http_no_schema');
      bare = await createTestApp({ DATABASE_URL: scratch.url });
    });
    afterAll(async () => {
      await bare?.close();
      await scratch?.drop();
    });

    it('answers a database failure with the generic 500, without SQL or a stack', async () => {
      const who = newIdentity();
      const answers = [
        await request(bare.getHttpServer()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)),
        await request(bare.getHttpServer()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(buildBackupDoc()),
        await request(bare.getHttpServer()).get(`/v1/clients/c1`).set(identityHeaders(who)),
      ];
      for (const res of answers) {
        expectError(res, 500, { title: '500 Internal Server Error', description: 'An unexpected error occurred on the server.' });
      }
    });
  });

  describe('503 Service Unavailable', () => {
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
    let orphan: NestExpressApplication;

    beforeAll(async () => {
      scratch = await createScratchDatabase('http_gone');
      orphan = await createTestApp({ DATABASE_URL: scratch.url });
    });
    afterAll(async () => {
      await orphan?.close();
      await scratch?.drop();
    });

    it('answers /readyz with 503 once the database is gone, while /healthcheck still answers', async () => {
      const before = await request(orphan.getHttpServer()).get('/readyz');
      expect(before.status).toBe(200);
      await scratch.drop();
      const res = await request(orphan.getHttpServer()).get('/readyz');
      expectError(res, 503, { title: 'Service Unavailable', description: 'The database is unavailable; try again later' });
      const health = await request(orphan.getHttpServer()).get('/healthcheck');
      expect({ status: health.status, text: health.text }).toEqual({ status: 200, text: 'OK' });
    });
  });

  describe('ETag', () => {
    it('GET of one document sends its version as a strong, quoted ETag; lists send none', async () => {
      const who = newIdentity();
      const doc = buildClientDoc();
      await request(server()).post(`/v2/${who.projectId}/clients`).set(identityHeaders(who)).send(doc);
      const backupId = await createBackup(who);
      const backup = await request(server()).get(`/v2/${who.projectId}/backups/${backupId}`).set(identityHeaders(who));
      const client = await request(server()).get(`/v2/${who.projectId}/clients/${String(doc.client_id)}`).set(identityHeaders(who));
      expect([backup.headers.etag, client.headers.etag]).toEqual(['"1"', '"1"']);
      const list = await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who));
      expect(list.headers.etag).toBeUndefined();
    });

    it('never answers 304 by itself', async () => {
      const who = newIdentity();
      const id = await createBackup(who);
      const res = await request(server()).get(`/v2/${who.projectId}/backups/${id}`).set(identityHeaders(who)).set('If-None-Match', '"1"');
      expect(res.status).toBe(200);
      expect(res.body.backup_id).toBe(id);
    });
  });
});
