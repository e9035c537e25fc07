// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildClientDoc } from '../factories/client.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

const HEX_ID = /^[0-9a-f]{32}$/;

type ClientBody = Record<string, unknown>;

describe('clients', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;

  beforeAll(async () => {
    app = await createTestApp();
    server = app.getHttpServer();
  });
  afterAll(async () => {
    await app.close();
  });

  const v2 = (identity: Identity, project = identity.projectId) => `/v2/${project}/clients`;
  const v1 = '/v1/clients';

  async function register(identity: Identity, body: ClientBody = buildClientDoc(), base = v2(identity)): Promise<string> {
    const res = await request(server).post(base).set(identityHeaders(identity)).send(body);
    expect(res.status).toBe(201);
    return res.body.client_id as string;
  }

  async function getClient(identity: Identity, clientId: string, base = v2(identity)) {
    return request(server).get(`${base}/${clientId}`).set(identityHeaders(identity));
  }

  async function listClientIds(identity: Identity, query = '', search?: object, base = v2(identity)): Promise<string[]> {
    const req = request(server).get(`${base}${query}`).set(identityHeaders(identity));
    const res = search === undefined ? await req : await req.send(search);
    expect(res.status).toBe(200);
    return (res.body.clients as Array<{ client: { client_id: string } }>).map((doc) => doc.client.client_id);
  }

  describe('POST /v2/:project_id/clients', () => {
    it('answers 201 {client_id} and wraps the flat body with a generated 32-hex uuid', async () => {
      const identity = newIdentity();
      const body = buildClientDoc();
      const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).send(body);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ client_id: body.client_id });
      const got = await getClient(identity, body.client_id as string);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        client: { ...body, uuid: expect.stringMatching(HEX_ID) },
        user_id: identity.userId,
        project_id: identity.projectId,
      });
    });

    it('keeps a uuid the caller gives', async () => {
      const identity = newIdentity();
      const body = buildClientDoc({ uuid: 'my-own-uuid-0001' });
      await register(identity, body);
      const got = await getClient(identity, body.client_id as string);
      expect(got.body.client).toEqual(body);
    });

    it('accepts what freezer-scheduler sends: {client_id: <project>_<hostname>, hostname}', async () => {
      const identity = newIdentity();
      const body = { client_id: `${identity.projectId}_node1.example.com`, hostname: 'node1.example.com' };
      await register(identity, body);
      const got = await getClient(identity, body.client_id);
      expect(got.body.client).toEqual({ ...body, uuid: expect.stringMatching(HEX_ID) });
    });

    it('accepts a client without hostname and invents no null keys', async () => {
      const identity = newIdentity();
      const body = { client_id: 'padawan-ccp-c1-m1-mgmt' };
      await register(identity, body);
      const got = await getClient(identity, body.client_id);
      expect(got.body).toEqual({
        client: { client_id: 'padawan-ccp-c1-m1-mgmt', uuid: expect.stringMatching(HEX_ID) },
        user_id: identity.userId,
        project_id: identity.projectId,
      });
    });

    it('keeps extra keys (newer schedulers send capabilities)', async () => {
      const identity = newIdentity();
      const body = buildClientDoc({
        supported_actions: ['backup', 'restore'],
        supported_modes: ['fs', 'mysql'],
        supported_storages: ['swift', 'local'],
        supported_engines: ['tar'],
        is_central: false,
        labels: { rack: 'r1', tags: [1, null, 'ü'] },
      });
      await register(identity, body);
      const got = await getClient(identity, body.client_id as string);
      expect(got.body.client).toEqual({ ...body, uuid: expect.stringMatching(HEX_ID) });
    });

    it('answers 201 to a re-registration of the caller\'s client_id and updates it, keeping uuid and owner (D22)', async () => {
      const identity = newIdentity();
      const first = buildClientDoc({ description: 'first', rack: 'r1' });
      await register(identity, first);
      const before = await getClient(identity, first.client_id as string);
      const res = await request(server)
        .post(v2(identity))
        .set(identityHeaders(identity))
        .send({ client_id: first.client_id, description: 'second', uuid: 'not-taken' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ client_id: first.client_id });
      const got = await getClient(identity, first.client_id as string);
      // keys the body left out (hostname, rack) stay; the uuid never changes
      expect(got.body).toEqual({ ...before.body, client: { ...before.body.client, description: 'second' } });
      expect(got.headers.etag).toBe('"2"');
      await expect(listClientIds(identity)).resolves.toEqual([first.client_id]);
    });

    it('leaves the version alone when a re-registration changes nothing (the scheduler registers at every start)', async () => {
      const identity = newIdentity();
      const body = buildClientDoc();
      await register(identity, body);
      await register(identity, body);
      await register(identity, body);
      const got = await getClient(identity, body.client_id as string);
      expect(got.headers.etag).toBe('"1"');
    });

    it('answers 409 for a client_id the same user holds in another project (D4)', async () => {
      const identity = newIdentity({ roles: ['admin'] });
      const body = buildClientDoc();
      await register(identity, body);
      const res = await request(server).post(v2(identity, 'another-project')).set(identityHeaders(identity)).send(body);
      expect(res.status).toBe(409);
      expect(res.body).toEqual(expectedErrors.conflict(`Client already registered with ID ${body.client_id}`));
    });

    it('lets another user register the same client_id; each sees only their own', async () => {
      const alice = newIdentity();
      const bob = newIdentity({ projectId: alice.projectId });
      const body = buildClientDoc();
      await register(alice, { ...body, description: 'alice' });
      await register(bob, { ...body, description: 'bob' });
      expect((await getClient(alice, body.client_id as string)).body.client.description).toBe('alice');
      expect((await getClient(bob, body.client_id as string)).body.client.description).toBe('bob');
      await expect(listClientIds(alice)).resolves.toEqual([body.client_id]);
    });

    it.each([
      ['no body', undefined, 'Missing request body'],
      ['an empty object', {}, 'Missing request body'],
      ['a JSON list', [buildClientDoc()], 'The client document must be a JSON object'],
      ['no client_id', { hostname: 'h1' }, "'client_id' is a required property"],
      ['a numeric client_id', { client_id: 42 }, "42 is not of type 'string'"],
      ['a hostname with no letter or digit', { client_id: 'proj_host1', hostname: '--' }, expect.stringContaining("'--' does not match")],
      ['a numeric description', { client_id: 'proj_host1', description: 7 }, "7 is not of type 'string'"],
      ['a numeric uuid', { client_id: 'proj_host1', uuid: 7 }, "7 is not of type 'string'"],
      [
        'a client_id with characters outside CLIENT_ID (tempest)',
        { client_id: 'bad%project$id_host.domain.tld' },
        expect.stringContaining("'bad%project$id_host.domain.tld' does not match"),
      ],
      [
        'a client_id whose host part is not an FQDN (tempest)',
        { client_id: 'proj_bad_hostname.bad/domain.b' },
        expect.stringContaining("'proj_bad_hostname.bad/domain.b' does not match"),
      ],
    ])('answers 400 for %s, and stores nothing', async (_name, body, description) => {
      const identity = newIdentity();
      const req = request(server).post(v2(identity)).set(identityHeaders(identity));
      const res = body === undefined ? await req : await req.send(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ ...expectedErrors.badRequest(), description });
      await expect(listClientIds(identity)).resolves.toEqual([]);
    });

    it('answers 400 Malformed JSON for a body that is not JSON', async () => {
      const identity = newIdentity();
      const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).set('Content-Type', 'application/json').send('{"client_id"');
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.malformedJson());
      await expect(listClientIds(identity)).resolves.toEqual([]);
    });

    it('accepts the valid CLIENT_ID shapes of the reference', async () => {
      const identity = newIdentity();
      for (const clientId of [
        '752d1bb0ad2c4a8d8e3d2f0f7c5e41af_szaher',
        'padawan-ccp-c1-m1-mgmt',
        '01b0f00a-4ce2-11e6-beb8-9e71128cae77_myhost.mydomain.mytld',
        'a_b_host',
      ]) {
        await register(identity, { client_id: clientId });
      }
      await expect(listClientIds(identity, '?limit=10')).resolves.toHaveLength(4);
    });

    it('answers 403 for another project than the caller\'s, and stores nothing', async () => {
      const identity = newIdentity();
      const res = await request(server).post(v2(identity, 'not-mine')).set(identityHeaders(identity)).send(buildClientDoc());
      expect(res.status).toBe(403);
      expect(res.body).toEqual(expectedErrors.forbidden());
      const admin = newIdentity({ userId: identity.userId, roles: ['admin'] });
      await expect(listClientIds(admin, '', undefined, v2(admin, 'not-mine'))).resolves.toEqual([]);
    });
  });

  describe('capabilities of a 2026 scheduler (supported_*, is_central)', () => {
    // fz: scheduler/utils.py do_register, with the default [capabilities] lists
    const capabilities = {
      supported_actions: ['backup', 'restore', 'info', 'admin', 'exec'],
      supported_modes: ['fs', 'mongo', 'mysql', 'sqlserver', 'cinder', 'glance', 'cindernative', 'nova'],
      supported_storages: ['local', 'swift', 'ssh', 's3', 'ftp', 'ftps'],
      supported_engines: ['tar', 'rsync', 'rsyncv2', 'nova', 'osbrick', 'glance'],
      is_central: false,
    };

    it('stores and answers the capability lists and is_central beside a freezer 13 registration', async () => {
      const identity = newIdentity();
      const newest = buildClientDoc({ description: undefined, ...capabilities });
      const oldest = buildClientDoc();
      await register(identity, newest);
      await register(identity, oldest);
      const got = await getClient(identity, newest.client_id as string);
      expect(got.body).toEqual({ client: { ...newest, uuid: expect.stringMatching(HEX_ID) }, user_id: identity.userId, project_id: identity.projectId });
      // no invented keys on the old registration
      expect(Object.keys((await getClient(identity, oldest.client_id as string)).body.client).sort()).toEqual(['client_id', 'description', 'hostname', 'uuid']);
    });

    it('refreshes the capability lists on a re-registration and keeps the ones the body leaves out', async () => {
      const identity = newIdentity();
      const body = buildClientDoc(capabilities);
      await register(identity, body);
      await register(identity, { client_id: body.client_id, hostname: body.hostname, supported_storages: ['local'], supported_engines: [] });
      const got = await getClient(identity, body.client_id as string);
      expect(got.body.client).toEqual({ ...body, supported_storages: ['local'], supported_engines: [], uuid: expect.stringMatching(HEX_ID) });
    });

    it.each([
      ['supported_actions', 'backup', "'backup' is not of type 'array'"],
      ['supported_modes', ['fs', 3], "3 is not of type 'string'"],
      ['supported_storages', null, "None is not of type 'array'"],
      ['supported_engines', { tar: true }, "{'tar': True} is not of type 'array'"],
      ['is_central', 'false', "'false' is not of type 'boolean'"],
    ])('answers 400 for %s = %j and stores nothing', async (key, value, message) => {
      const identity = newIdentity();
      const body = buildClientDoc({ [key]: value });
      const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).send(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.badRequest(message));
      await expect(listClientIds(identity)).resolves.toEqual([]);
    });

    it('answers 400 to a re-registration with a bad capability and keeps the client as it was', async () => {
      const identity = newIdentity();
      const body = buildClientDoc(capabilities);
      await register(identity, body);
      const before = await getClient(identity, body.client_id as string);
      const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).send({ ...body, supported_modes: 'fs' });
      expect(res.status).toBe(400);
      expect(await getClient(identity, body.client_id as string)).toMatchObject({ status: 200, body: before.body, headers: { etag: '"1"' } });
    });

    it('lets only admin or service register a central client (clients:create_central)', async () => {
      const member = newIdentity();
      const central = buildClientDoc({ ...capabilities, is_central: true });
      const denied = await request(server).post(v2(member)).set(identityHeaders(member)).send(central);
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual(expectedErrors.forbidden());
      await expect(listClientIds(member)).resolves.toEqual([]);
      for (const roles of [['admin'], ['member', 'service']]) {
        const privileged = newIdentity({ roles });
        await register(privileged, central);
        expect((await getClient(privileged, central.client_id as string)).body.client.is_central).toBe(true);
      }
    });
  });

  describe('GET /v2/:project_id/clients/:client_id', () => {
    it('returns the document with ETag "1"', async () => {
      const identity = newIdentity();
      const body = buildClientDoc({ uuid: 'fixed-uuid' });
      await register(identity, body);
      const res = await getClient(identity, body.client_id as string);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body).toEqual({ client: body, user_id: identity.userId, project_id: identity.projectId });
    });

    it('looks up by client_id, not by uuid', async () => {
      const identity = newIdentity();
      const body = buildClientDoc({ uuid: 'lookup-uuid-1' });
      await register(identity, body);
      const res = await getClient(identity, 'lookup-uuid-1');
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expectedErrors.notFound('No client found with ID lookup-uuid-1'));
    });

    it('answers 404 for another user\'s client', async () => {
      const owner = newIdentity();
      const clientId = await register(owner);
      const other = newIdentity({ projectId: owner.projectId });
      const res = await getClient(other, clientId);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expectedErrors.notFound(`No client found with ID ${clientId}`));
    });
  });

  describe('GET /v2/:project_id/clients', () => {
    it('lists {clients: [...]} in registration order with exact documents', async () => {
      const identity = newIdentity();
      const bodies = [buildClientDoc({ uuid: 'u-1' }), buildClientDoc({ uuid: 'u-2' }), buildClientDoc({ uuid: 'u-3' })];
      for (const body of bodies) await register(identity, body);
      const res = await request(server).get(v2(identity)).set(identityHeaders(identity));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        clients: bodies.map((client) => ({ client, user_id: identity.userId, project_id: identity.projectId })),
      });
    });

    it('answers {"clients": []} for a caller with none, and hides other users\' clients', async () => {
      const identity = newIdentity();
      await register(newIdentity({ projectId: identity.projectId }));
      const res = await request(server).get(v2(identity)).set(identityHeaders(identity));
      expect(res.body).toEqual({ clients: [] });
    });

    it('pages with limit, offset and marker', async () => {
      const identity = newIdentity();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await register(identity));
      await expect(listClientIds(identity, '?limit=2&offset=1')).resolves.toEqual(ids.slice(1, 3));
      await expect(listClientIds(identity, `?marker=${ids[2]}`)).resolves.toEqual(ids.slice(3));
      const res = await request(server).get(`${v2(identity)}?marker=unknown-client`).set(identityHeaders(identity));
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.invalidParameter('marker'));
      const bad = await request(server).get(`${v2(identity)}?limit=10001`).set(identityHeaders(identity));
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual(expectedErrors.invalidParameter('limit'));
    });

    it('searches by client_id: the bare key resolves to client.client_id', async () => {
      const identity = newIdentity();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await register(identity));
      await expect(listClientIds(identity, '', { match: [{ client_id: ids[1] }] })).resolves.toEqual([ids[1]]);
      await expect(listClientIds(identity, '', { match: [{ 'client.client_id': ids[2] }] })).resolves.toEqual([ids[2]]);
      await expect(listClientIds(identity, '', { match_not: [{ client_id: ids[0] }] })).resolves.toEqual(ids.slice(1));
      await expect(listClientIds(identity, '', { match: [{ client_id: 'nobody' }] })).resolves.toEqual([]);
    });

    it('finds exactly one client among several by an _all search on its uuid (the web UI relies on it)', async () => {
      const identity = newIdentity();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await register(identity));
      const uuids: string[] = [];
      for (const id of ids) uuids.push((await getClient(identity, id)).body.client.uuid as string);
      for (const [i, uuid] of uuids.entries()) {
        await expect(listClientIds(identity, '?limit=500', { match: [{ _all: uuid }] })).resolves.toEqual([ids[i]]);
        await expect(listClientIds(identity, '', { match: [{ _all: uuid.toUpperCase() }] })).resolves.toEqual([ids[i]]);
      }
    });

    it('answers 400 for a malformed search body', async () => {
      const identity = newIdentity();
      const res = await request(server).get(v2(identity)).set(identityHeaders(identity)).send({ match: { client_id: 'x' } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.badRequest('The search "match" must be a list of objects'));
    });
  });

  describe('DELETE /v2/:project_id/clients/:client_id', () => {
    it('answers 204 and the client is gone; the client_id can be registered again, at version 1', async () => {
      const identity = newIdentity();
      const body = buildClientDoc({ description: 'before' });
      await register(identity, body);
      const res = await request(server).delete(`${v2(identity)}/${body.client_id}`).set(identityHeaders(identity));
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await getClient(identity, body.client_id as string)).status).toBe(404);
      await expect(listClientIds(identity)).resolves.toEqual([]);
      await register(identity, { ...body, description: 'after' });
      const got = await getClient(identity, body.client_id as string);
      expect(got.headers.etag).toBe('"1"');
      expect(got.body.client.description).toBe('after');
    });

    it('answers 204 for a missing client', async () => {
      const identity = newIdentity();
      const res = await request(server).delete(`${v2(identity)}/nobody_host`).set(identityHeaders(identity));
      expect(res.status).toBe(204);
    });

    it('answers 204 for another user\'s client and leaves it intact', async () => {
      const owner = newIdentity();
      const clientId = await register(owner);
      const other = newIdentity({ projectId: owner.projectId });
      const res = await request(server).delete(`${v2(other)}/${clientId}`).set(identityHeaders(other));
      expect(res.status).toBe(204);
      expect((await getClient(owner, clientId)).status).toBe(200);
    });

    it('answers 412 and deletes nothing when If-Match does not match', async () => {
      const identity = newIdentity();
      const clientId = await register(identity);
      const res = await request(server).delete(`${v2(identity)}/${clientId}`).set(identityHeaders(identity)).set('If-Match', '"3"');
      expect(res.status).toBe(412);
      expect(res.body).toEqual(expectedErrors.preconditionFailed());
      expect((await getClient(identity, clientId)).status).toBe(200);
      const ok = await request(server).delete(`${v2(identity)}/${clientId}`).set(identityHeaders(identity)).set('If-Match', '*');
      expect(ok.status).toBe(204);
    });
  });

  describe('POST /v1/clients', () => {
    it('answers 201 and stores the caller\'s project from X-Project-Id', async () => {
      const identity = newIdentity();
      const body = buildClientDoc();
      await register(identity, body, v1);
      const got = await getClient(identity, body.client_id as string, v1);
      expect(got.status).toBe(200);
      expect(got.headers.etag).toBe('"1"');
      expect(got.body).toEqual({
        client: { ...body, uuid: expect.stringMatching(HEX_ID) },
        user_id: identity.userId,
        project_id: identity.projectId,
      });
    });

    it('updates the caller\'s client on a re-registration and answers 400 for an invalid client_id', async () => {
      const identity = newIdentity();
      const body = buildClientDoc();
      await register(identity, body, v1);
      const again = await request(server).post(v1).set(identityHeaders(identity)).send({ ...body, description: 'moved' });
      expect(again.status).toBe(201);
      expect((await getClient(identity, body.client_id as string, v1)).body.client.description).toBe('moved');
      const bad = await request(server).post(v1).set(identityHeaders(identity)).send({ client_id: 'bad%project$id_host.domain.tld' });
      expect(bad.status).toBe(400);
      await expect(listClientIds(identity, '', undefined, v1)).resolves.toEqual([body.client_id]);
    });
  });

  describe('GET /v1/clients', () => {
    it('lists the caller\'s clients of every project and searches them', async () => {
      const identity = newIdentity();
      const a = await register(identity, buildClientDoc(), v1);
      const b = await register(identity);
      await register(newIdentity(), buildClientDoc(), v1);
      await expect(listClientIds(identity, '', undefined, v1)).resolves.toEqual([a, b]);
      await expect(listClientIds(identity, '', { match: [{ client_id: b }] }, v1)).resolves.toEqual([b]);
    });
  });

  describe('DELETE /v1/clients/:client_id', () => {
    it('answers 204 for the caller\'s client and 404 No Client found with ID:<id> once it is gone', async () => {
      const identity = newIdentity();
      const clientId = await register(identity, buildClientDoc(), v1);
      const res = await request(server).delete(`${v1}/${clientId}`).set(identityHeaders(identity));
      expect(res.status).toBe(204);
      const again = await request(server).delete(`${v1}/${clientId}`).set(identityHeaders(identity));
      expect(again.status).toBe(404);
      expect(again.body).toEqual(expectedErrors.notFound(`No Client found with ID:${clientId}`));
    });

    it('answers 404 for another user\'s client and leaves it intact', async () => {
      const owner = newIdentity();
      const clientId = await register(owner, buildClientDoc(), v1);
      const res = await request(server).delete(`${v1}/${clientId}`).set(identityHeaders(newIdentity()));
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expectedErrors.notFound(`No Client found with ID:${clientId}`));
      expect((await getClient(owner, clientId, v1)).status).toBe(200);
    });
  });
});
