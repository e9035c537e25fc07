// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { validateEnv } from '../../src/config/env.validation.js';
import { prepareDatabase } from '../../src/database/prepare-database.js';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { createScratchDatabase } from '../utils/test-database.js';

const MISSING_ID = '0123456789abcdef0123456789abcdef';
const V1_NOT_SERVED = 'API v1 is not served when FREEZER_SCOPE=project: use /v2/{project_id}/...';

function randomName(prefix: string): string {
  return newIdentity({ userId: prefix }).projectId.replace(/^p/, prefix);
}

// A header value as a client sending UTF-8 puts it on the wire: Node's client writes one byte per
// (latin1) character of the string it is given. (Only when the body goes as bytes: with a string
// body, Node's client encodes the headers and the body together as UTF-8.)
const utf8OnTheWire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const jsonBytes = (doc: object): Buffer => Buffer.from(JSON.stringify(doc));

// A user and a project whose names are not ASCII, and the paths their backups live under.
function unicodeIdentity(): { userId: string; projectId: string; paths: string[] } {
  const userId = randomName('zoë-');
  const projectId = randomName('café-');
  return { userId, projectId, paths: [`/v2/${encodeURIComponent(projectId)}/backups`, '/v1/backups'] };
}

describe('auth', () => {
  describe('AUTH_MODE=noauth (the default)', () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await createTestApp();
    });
    afterAll(async () => {
      await app.close();
    });

    const server = () => app.getHttpServer();

    async function readBackup(path: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
      const created = await request(server()).post(path).set(headers).send(jsonBytes(buildBackupDoc()));
      expect(created.status).toBe(201);
      const res = await request(server()).get(`${path}/${created.body.backup_id}`).set(headers);
      return { status: res.status, body: res.body };
    }

    it('trusts X-User-Id, X-Project-Id, X-User-Name and X-Roles', async () => {
      const who = newIdentity();
      const headers = { ...identityHeaders(who, false), 'X-User-Name': 'Alice Example' };
      const got = await readBackup(`/v2/${who.projectId}/backups`, headers);
      expect(got).toMatchObject({ status: 200, body: { user_id: who.userId, user_name: 'Alice Example', project_id: who.projectId } });
    });

    it('takes the project from X-Tenant-Id when X-Project-Id is absent', async () => {
      const who = newIdentity();
      const headers = { 'X-User-Id': who.userId, 'X-Tenant-Id': who.projectId };
      const got = await readBackup(`/v2/${who.projectId}/backups`, headers);
      expect(got).toMatchObject({ status: 200, body: { user_id: who.userId, project_id: who.projectId } });
      const other = await request(server()).get(`/v2/${newIdentity().projectId}/backups`).set(headers);
      expect({ status: other.status, body: other.body }).toEqual({ status: 403, body: expectedErrors.forbidden() });
    });

    it('reads a "user:project" X-Auth-Token when there is no X-User-Id', async () => {
      const who = newIdentity();
      const headers = { 'X-Auth-Token': `${who.userId}:${who.projectId}` };
      const got = await readBackup(`/v2/${who.projectId}/backups`, headers);
      expect(got).toMatchObject({ status: 200, body: { user_id: who.userId, user_name: null, project_id: who.projectId } });
      const other = await request(server()).get(`/v2/${newIdentity().projectId}/backups`).set(headers);
      expect({ status: other.status, body: other.body }).toEqual({ status: 403, body: expectedErrors.forbidden() });
      const v1 = await readBackup('/v1/backups', headers);
      expect(v1).toMatchObject({ status: 200, body: { user_id: who.userId, project_id: who.projectId } });
    });

    it('reads a bare "user" X-Auth-Token as a user without a project', async () => {
      const user = randomName('tok');
      const headers = { 'X-Auth-Token': user };
      const v2 = await readBackup(`/v2/${newIdentity().projectId}/backups`, headers);
      expect(v2).toMatchObject({ status: 200, body: { user_id: user } });
      const v1 = await readBackup('/v1/backups', headers);
      expect(v1).toMatchObject({ status: 200, body: { user_id: user, project_id: null } });
    });

    it('prefers X-User-Id over the token', async () => {
      const who = newIdentity();
      const headers = { ...identityHeaders(who, false), 'X-Auth-Token': `${randomName('tok')}:${who.projectId}` };
      const got = await readBackup(`/v2/${who.projectId}/backups`, headers);
      expect(got).toMatchObject({ status: 200, body: { user_id: who.userId } });
    });

    it('falls back to the user "noauth" without any identity', async () => {
      const project = newIdentity().projectId;
      const got = await readBackup(`/v2/${project}/backups`, {});
      expect(got).toMatchObject({ status: 200, body: { user_id: 'noauth', user_name: null, project_id: project } });
      const list = await request(server()).get(`/v2/${project}/backups`);
      expect(list.body.backups).toHaveLength(1);
    });

    it('reads identity headers sent as UTF-8 bytes as UTF-8, on v2 and v1', async () => {
      const who = unicodeIdentity();
      const headers = {
        'X-User-Id': utf8OnTheWire(who.userId),
        'X-Project-Id': utf8OnTheWire(who.projectId),
        'X-User-Name': utf8OnTheWire('Zoë Ångström 山田 🧊'),
        'X-Roles': utf8OnTheWire('member,Prüfer'),
      };
      for (const path of who.paths) {
        const got = await readBackup(path, headers);
        expect(got).toMatchObject({ status: 200, body: { user_id: who.userId, user_name: 'Zoë Ångström 山田 🧊', project_id: who.projectId } });
        const list = await request(server()).get(path).set(headers);
        expect(list.body.backups).toContainEqual(got.body);
      }
      // the token convention too: the same user sees the two backups of the project
      const token = { 'X-Auth-Token': utf8OnTheWire(`${who.userId}:${who.projectId}`) };
      const listed = await request(server()).get(who.paths[0]).set(token);
      expect({ status: listed.status, users: listed.body.backups.map((backup: { user_id: string }) => backup.user_id) }).toEqual({
        status: 200,
        users: [who.userId, who.userId],
      });
    });

    it('keeps the latin1 reading of an identity header that is not valid UTF-8', async () => {
      const who = newIdentity();
      // "Zoë" in latin1: 0xEB alone is not UTF-8
      const headers = { ...identityHeaders(who, false), 'X-User-Name': Buffer.from([0x5a, 0x6f, 0xeb]).toString('latin1') };
      const got = await readBackup(`/v2/${who.projectId}/backups`, headers);
      expect(got).toMatchObject({ status: 200, body: { user_id: who.userId, user_name: 'Zoë' } });
    });

    it.each([
      ['X-User-Id', 'u'.repeat(256), 'The x-user-id header is not a valid identity'],
      ['X-Project-Id', 'p'.repeat(256), 'The x-project-id header is not a valid identity'],
      ['X-User-Name', 'n'.repeat(256), 'The x-user-name header is not a valid identity'],
    ])('refuses an invalid %s with 401', async (header, value, description) => {
      const who = newIdentity();
      const res = await request(server())
        .get(`/v2/${who.projectId}/backups`)
        .set({ ...identityHeaders(who, false), [header]: value });
      expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: { title: 'Unauthorized', description } });
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    });

    it.each([
      ['three parts', 'a:b:c'],
      ['an empty user', ':project'],
      ['an empty project', 'user:'],
      ['256 characters', 't'.repeat(256)],
    ])('refuses an X-Auth-Token with %s with 401', async (_name, token) => {
      const res = await request(server()).get('/v1/backups').set('X-Auth-Token', token);
      expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: expectedErrors.unauthorized() });
    });
  });

  describe('AUTH_MODE=trusted-headers', () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await createTestApp({ AUTH_MODE: 'trusted-headers' });
    });
    afterAll(async () => {
      await app.close();
    });

    const server = () => app.getHttpServer();

    it.each([
      ['no X-Identity-Status', {}],
      ['X-Identity-Status: Invalid', { 'X-Identity-Status': 'Invalid' }],
      ['X-Identity-Status: confirmed (wrong case)', { 'X-Identity-Status': 'confirmed' }],
    ])('refuses identity headers with %s: 401 JSON', async (_name, status: Record<string, string>) => {
      const who = newIdentity();
      const res = await request(server())
        .get(`/v2/${who.projectId}/backups`)
        .set({ ...identityHeaders(who, false), ...status });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 401,
        body: { title: 'Unauthorized', description: 'The identity is not confirmed (X-Identity-Status must be Confirmed)' },
      });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    });

    it('refuses a confirmed identity without X-User-Id, and ignores the noauth token convention', async () => {
      const who = newIdentity();
      const res = await request(server())
        .get(`/v2/${who.projectId}/backups`)
        .set({ 'X-Identity-Status': 'Confirmed', 'X-Project-Id': who.projectId, 'X-Auth-Token': `${who.userId}:${who.projectId}` });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 401,
        body: { title: 'Unauthorized', description: 'The confirmed identity carries no X-User-Id' },
      });
    });

    it('serves a confirmed identity', async () => {
      const who = newIdentity();
      const created = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(buildBackupDoc());
      expect(created.status).toBe(201);
      const res = await request(server()).get(`/v2/${who.projectId}/backups/${created.body.backup_id}`).set(identityHeaders(who));
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { user_id: who.userId, project_id: who.projectId } });
    });

    it('reads identity headers sent as UTF-8 bytes as UTF-8, on v2 and v1', async () => {
      const who = unicodeIdentity();
      const headers = {
        'X-Identity-Status': 'Confirmed',
        'X-User-Id': utf8OnTheWire(who.userId),
        'X-Project-Id': utf8OnTheWire(who.projectId),
        'X-User-Name': utf8OnTheWire('Zoë'),
      };
      for (const path of who.paths) {
        const created = await request(server()).post(path).set(headers).send(jsonBytes(buildBackupDoc()));
        expect(created.status).toBe(201);
        const res = await request(server()).get(`${path}/${created.body.backup_id}`).set(headers);
        expect({ status: res.status, body: res.body }).toMatchObject({
          status: 200,
          body: { user_id: who.userId, user_name: 'Zoë', project_id: who.projectId },
        });
      }
      // and an invalid sequence keeps its latin1 reading
      const latin1 = { ...headers, 'X-User-Name': Buffer.from([0x5a, 0x6f, 0xeb]).toString('latin1') };
      const created = await request(server()).post(who.paths[0]).set(latin1).send(jsonBytes(buildBackupDoc()));
      const res = await request(server()).get(`${who.paths[0]}/${created.body.backup_id}`).set(latin1);
      expect(res.body).toMatchObject({ user_id: who.userId, user_name: 'Zoë' });
    });

    it('applies the project check to a confirmed identity (D5)', async () => {
      const who = newIdentity();
      const res = await request(server()).get(`/v2/${newIdentity().projectId}/backups`).set(identityHeaders(who));
      expect({ status: res.status, body: res.body }).toEqual({ status: 403, body: expectedErrors.forbidden() });
    });

    it('answers the public routes without any identity (D18)', async () => {
      const root = await request(server()).get('/');
      expect({ status: root.status, ids: root.body.versions.map((v: { id: string }) => v.id) }).toEqual({ status: 300, ids: ['v2', 'v1'] });
      const health = await request(server()).get('/healthcheck');
      expect({ status: health.status, text: health.text }).toEqual({ status: 200, text: 'OK' });
      const ready = await request(server()).get('/readyz');
      expect({ status: ready.status, body: ready.body }).toEqual({ status: 200, body: { status: 'ready' } });
      const docs = await request(server()).get('/docs');
      expect({ status: docs.status, type: docs.headers['content-type'] }).toEqual({ status: 200, type: expect.stringMatching(/^text\/html/) });
      const openapi = await request(server()).get('/openapi.json');
      expect({ status: openapi.status, body: openapi.body }).toMatchObject({ status: 200, body: { openapi: expect.stringMatching(/^3\./) } });
      for (const res of [root, health, ready, docs, openapi]) expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    });

    it.each([['/v1'], ['/v2'], ['/v2/']])('needs an identity for the home document %s', async (path) => {
      const refused = await request(server()).get(path);
      expect({ status: refused.status, body: refused.body }).toEqual({ status: 401, body: expectedErrors.unauthorized() });
      const served = await request(server()).get(path).set(identityHeaders(newIdentity()));
      expect({ status: served.status, type: served.headers['content-type'] }).toEqual({
        status: 200,
        type: expect.stringMatching(/^application\/json-home/),
      });
    });
  });

  describe('project check (D5)', () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await createTestApp();
    });
    afterAll(async () => {
      await app.close();
    });

    const server = () => app.getHttpServer();

    it('refuses every v2 route under another project with 403, before reading the body', async () => {
      const who = newIdentity();
      const other = newIdentity().projectId;
      const answers = [
        await request(server()).get(`/v2/${other}/backups`).set(identityHeaders(who)),
        await request(server()).post(`/v2/${other}/backups`).set(identityHeaders(who)).send({}),
        await request(server()).get(`/v2/${other}/backups/${MISSING_ID}`).set(identityHeaders(who)),
        await request(server()).delete(`/v2/${other}/backups/${MISSING_ID}`).set(identityHeaders(who)),
        await request(server()).post(`/v2/${other}/clients`).set(identityHeaders(who)).send(buildClientDoc()),
        await request(server()).get(`/v2/${other}/clients`).set(identityHeaders(who)),
      ];
      for (const res of answers) expect({ status: res.status, body: res.body }).toEqual({ status: 403, body: expectedErrors.forbidden() });
      const admin = newIdentity({ roles: ['admin'] });
      const list = await request(server()).get(`/v2/${other}/clients`).set(identityHeaders(admin));
      expect({ status: list.status, body: list.body }).toEqual({ status: 200, body: { clients: [] } });
    });

    it('lets an admin (X-Roles, any case) use any project, and keeps its documents its own (D4)', async () => {
      const admin = newIdentity({ roles: ['Member', 'ADMIN'] });
      const owner = newIdentity();
      const mine = await request(server()).post(`/v2/${owner.projectId}/backups`).set(identityHeaders(owner)).send(buildBackupDoc());
      const created = await request(server()).post(`/v2/${owner.projectId}/backups`).set(identityHeaders(admin)).send(buildBackupDoc());
      expect([mine.status, created.status]).toEqual([201, 201]);
      const seen = await request(server()).get(`/v2/${owner.projectId}/backups`).set(identityHeaders(admin));
      expect(seen.body.backups.map((b: { backup_id: string }) => b.backup_id)).toEqual([created.body.backup_id]);
      const hidden = await request(server()).get(`/v2/${owner.projectId}/backups/${mine.body.backup_id}`).set(identityHeaders(admin));
      expect(hidden.status).toBe(404);
    });

    it('does not apply to a caller without a project, nor to v1', async () => {
      const user = randomName('np');
      const v2 = await request(server()).get(`/v2/${newIdentity().projectId}/backups`).set('X-User-Id', user);
      expect(v2.status).toBe(200);
      const who = newIdentity();
      const v1 = await request(server()).get('/v1/backups').set(identityHeaders(who));
      expect({ status: v1.status, body: v1.body }).toEqual({ status: 200, body: { backups: [] } });
    });

    it('refuses a path project id that cannot be stored', async () => {
      const admin = newIdentity({ roles: ['admin'] });
      const res = await request(server()).get('/v2/bad%01project/backups').set(identityHeaders(admin));
      expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: expectedErrors.badRequest('The project id in the path is not valid') });
    });
  });

  describe('ownership in FREEZER_SCOPE=user (D4)', () => {
    let app: NestExpressApplication;
    const owner: Identity = newIdentity();
    const intruder: Identity = newIdentity({ projectId: owner.projectId });
    let backupId: string;

    beforeAll(async () => {
      app = await createTestApp();
      const created = await request(app.getHttpServer()).post(`/v2/${owner.projectId}/backups`).set(identityHeaders(owner)).send(buildBackupDoc());
      expect(created.status).toBe(201);
      backupId = created.body.backup_id;
    });
    afterAll(async () => {
      await app.close();
    });

    const server = () => app.getHttpServer();
    const ownerSees = async () => (await request(server()).get(`/v2/${owner.projectId}/backups/${backupId}`).set(identityHeaders(owner))).status;

    it('hides another user\'s backup of the same project: 404 on get, absent from lists', async () => {
      const get = await request(server()).get(`/v2/${owner.projectId}/backups/${backupId}`).set(identityHeaders(intruder));
      expect({ status: get.status, body: get.body }).toEqual({ status: 404, body: expectedErrors.notFound(`No backup found with ID ${backupId}`) });
      const list = await request(server()).get(`/v2/${owner.projectId}/backups`).set(identityHeaders(intruder));
      expect(list.body).toEqual({ backups: [] });
      const search = await request(server()).get(`/v2/${owner.projectId}/backups`).set(identityHeaders(intruder)).send({ match: [{ backup_id: backupId }] });
      expect(search.body).toEqual({ backups: [] });
      const v1 = await request(server()).get(`/v1/backups/${backupId}`).set(identityHeaders(intruder));
      expect(v1.status).toBe(404);
    });

    it('answers 204 to a v2 delete of another user\'s backup and deletes nothing', async () => {
      const res = await request(server()).delete(`/v2/${owner.projectId}/backups/${backupId}`).set(identityHeaders(intruder));
      expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
      await expect(ownerSees()).resolves.toBe(200);
    });

    it('answers 404 to a v1 delete of another user\'s backup and deletes nothing', async () => {
      const res = await request(server()).delete(`/v1/backups/${backupId}`).set(identityHeaders(intruder));
      expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: expectedErrors.notFound(`No Backup found with ID:${backupId}`) });
      await expect(ownerSees()).resolves.toBe(200);
    });

    it('shows the owner its v2 documents of every project through v1', async () => {
      const res = await request(server()).get(`/v1/backups/${backupId}`).set(identityHeaders(owner));
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { backup_id: backupId, project_id: owner.projectId } });
    });

    it('lets two users register the same client id, each their own', async () => {
      const doc = buildClientDoc();
      const first = await request(server()).post(`/v2/${owner.projectId}/clients`).set(identityHeaders(owner)).send(doc);
      const second = await request(server()).post(`/v2/${owner.projectId}/clients`).set(identityHeaders(intruder)).send({ ...doc, description: 'mine' });
      expect([first.status, second.status]).toEqual([201, 201]);
      const seen = await request(server()).get(`/v2/${owner.projectId}/clients/${String(doc.client_id)}`).set(identityHeaders(owner));
      expect(seen.body).toMatchObject({ user_id: owner.userId, client: { description: 'scheduler node' } });
    });

    it('refuses with 409 an id the same user already holds in another project', async () => {
      const admin = newIdentity({ roles: ['admin'] });
      const doc = buildClientDoc();
      const first = await request(server()).post(`/v2/${admin.projectId}/clients`).set(identityHeaders(admin)).send(doc);
      expect(first.status).toBe(201);
      const again = await request(server()).post(`/v2/${newIdentity().projectId}/clients`).set(identityHeaders(admin)).send(doc);
      expect({ status: again.status, body: again.body }).toEqual({ status: 409, body: expectedErrors.conflict() });
    });
  });

  describe('FREEZER_SCOPE=project (D4)', () => {
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
    let app: NestExpressApplication;

    // The scope is recorded when a database is made, so this needs a database of its own.
    beforeAll(async () => {
      scratch = await createScratchDatabase('auth_scope_project');
      const env = { DATABASE_URL: scratch.url, FREEZER_SCOPE: 'project', LOG_LEVEL: 'error' };
      await prepareDatabase(validateEnv(env), scratch.url, new Logger('ScopeProjectSetup'));
      app = await createTestApp(env);
    });
    afterAll(async () => {
      await app?.close();
      await scratch?.drop();
    });

    const server = () => app.getHttpServer();

    it('lists only v2 on GET /', async () => {
      const res = await request(server()).get('/').set('Host', 'freezer.example.com');
      expect({ status: res.status, body: res.body }).toEqual({
        status: 300,
        body: { versions: [{ id: 'v2', status: 'CURRENT', updated: '2018-02-21T13:30:00', links: [{ href: 'http://freezer.example.com/v2/', rel: 'self' }] }] },
      });
    });

    it('answers every v1 route with 404 and a description', async () => {
      const who = newIdentity();
      const answers = [
        await request(server()).get('/v1').set(identityHeaders(who)),
        await request(server()).get('/v1/backups').set(identityHeaders(who)),
        await request(server()).post('/v1/backups').set(identityHeaders(who)).send(buildBackupDoc()),
        await request(server()).get(`/v1/backups/${MISSING_ID}`).set(identityHeaders(who)),
        await request(server()).delete(`/v1/clients/c1`).set(identityHeaders(who)),
      ];
      for (const res of answers) {
        expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: expectedErrors.notFound(V1_NOT_SERVED) });
      }
      const v2 = await request(server()).get('/v2').set(identityHeaders(who));
      expect(v2.status).toBe(200);
    });

    it('lets two users of one project see, list and delete each other\'s documents', async () => {
      const alice = newIdentity();
      const bob = newIdentity({ projectId: alice.projectId });
      const created = await request(server()).post(`/v2/${alice.projectId}/backups`).set(identityHeaders(alice)).send(buildBackupDoc());
      expect(created.status).toBe(201);
      const id = created.body.backup_id as string;
      const seen = await request(server()).get(`/v2/${alice.projectId}/backups/${id}`).set(identityHeaders(bob));
      // user_id is kept for audit: it names who created the document
      expect({ status: seen.status, body: seen.body }).toMatchObject({ status: 200, body: { backup_id: id, user_id: alice.userId, project_id: alice.projectId } });
      const listed = await request(server()).get(`/v2/${alice.projectId}/backups`).set(identityHeaders(bob));
      expect(listed.body.backups.map((b: { backup_id: string }) => b.backup_id)).toEqual([id]);

      const doc = buildClientDoc();
      const registered = await request(server()).post(`/v2/${alice.projectId}/clients`).set(identityHeaders(alice)).send(doc);
      // the project owns the client: another member's registration of it updates it (D22)
      const twice = await request(server()).post(`/v2/${alice.projectId}/clients`).set(identityHeaders(bob)).send({ ...doc, description: 'bob' });
      expect({ first: registered.status, second: twice.status, body: twice.body }).toEqual({ first: 201, second: 201, body: { client_id: doc.client_id } });
      const client = await request(server()).get(`/v2/${alice.projectId}/clients/${doc.client_id as string}`).set(identityHeaders(alice));
      expect(client.body).toMatchObject({ user_id: alice.userId, client: { description: 'bob' } });

      const removed = await request(server()).delete(`/v2/${alice.projectId}/backups/${id}`).set(identityHeaders(bob));
      expect(removed.status).toBe(204);
      const gone = await request(server()).get(`/v2/${alice.projectId}/backups/${id}`).set(identityHeaders(alice));
      expect(gone.status).toBe(404);
    });

    it('keeps projects apart', async () => {
      const alice = newIdentity();
      const carol = newIdentity();
      const created = await request(server()).post(`/v2/${alice.projectId}/backups`).set(identityHeaders(alice)).send(buildBackupDoc());
      const id = created.body.backup_id as string;
      const elsewhere = await request(server()).get(`/v2/${carol.projectId}/backups/${id}`).set(identityHeaders(carol));
      expect(elsewhere.status).toBe(404);
      const forbidden = await request(server()).get(`/v2/${alice.projectId}/backups/${id}`).set(identityHeaders(carol));
      expect({ status: forbidden.status, body: forbidden.body }).toEqual({ status: 403, body: expectedErrors.forbidden() });
    });
  });
});
