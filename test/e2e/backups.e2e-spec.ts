// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildBackupDoc, type BackupMetadataDoc } from '../factories/backup.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

const HEX_ID = /^[0-9a-f]{32}$/;

describe('backups', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;

  beforeAll(async () => {
    app = await createTestApp();
    server = app.getHttpServer();
  });
  afterAll(async () => {
    await app.close();
  });

  const v2 = (identity: Identity, project = identity.projectId) => `/v2/${project}/backups`;
  const v1 = '/v1/backups';

  async function createBackup(identity: Identity, metadata: BackupMetadataDoc = buildBackupDoc(), base = v2(identity)): Promise<string> {
    const res = await request(server).post(base).set(identityHeaders(identity)).send(metadata);
    expect(res.status).toBe(201);
    return res.body.backup_id as string;
  }

  async function listIds(identity: Identity, query = '', base = v2(identity)): Promise<string[]> {
    const res = await request(server).get(`${base}${query}`).set(identityHeaders(identity));
    expect(res.status).toBe(200);
    return (res.body.backups as Array<{ backup_id: string }>).map((backup) => backup.backup_id);
  }

  async function createMany(identity: Identity, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await createBackup(identity, buildBackupDoc({ backup_name: `b${i}` })));
    return ids;
  }

  describe('POST /v2/:project_id/backups', () => {
    it('answers 201 with a fresh 32-hex backup_id and stores the metadata unwrapped', async () => {
      const identity = newIdentity();
      const metadata = buildBackupDoc();
      const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).send(metadata);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ backup_id: expect.stringMatching(HEX_ID) });
      const got = await request(server).get(`${v2(identity)}/${res.body.backup_id}`).set(identityHeaders(identity));
      expect(got.body).toEqual({
        backup_id: res.body.backup_id,
        user_id: identity.userId,
        user_name: null,
        project_id: identity.projectId,
        status: 'available',
        backup_metadata: metadata,
      });
    });

    it('parses a body sent without Content-Type (tempest posts one)', async () => {
      const identity = newIdentity();
      const metadata = buildBackupDoc();
      const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).send(Buffer.from(JSON.stringify(metadata)));
      expect(res.status).toBe(201);
      const got = await request(server).get(`${v2(identity)}/${res.body.backup_id}`).set(identityHeaders(identity));
      expect(got.body.backup_metadata).toEqual(metadata);
    });

    it('makes two backups of the same metadata, and keeps a client-sent backup_id inside the metadata', async () => {
      const identity = newIdentity();
      const metadata = buildBackupDoc({ backup_id: 'mine', backup_uuid: 'also-mine' });
      const first = await createBackup(identity, metadata);
      const second = await createBackup(identity, metadata);
      expect(first).not.toBe(second);
      expect(first).not.toBe('mine');
      const res = await request(server).get(v2(identity)).set(identityHeaders(identity));
      expect(res.body.backups.map((b: { backup_metadata: BackupMetadataDoc }) => b.backup_metadata)).toEqual([metadata, metadata]);
    });

    it('accepts null, 0 and false for the three required keys', async () => {
      const identity = newIdentity();
      const metadata = buildBackupDoc({ container: null, hostname: 0, backup_name: false });
      const id = await createBackup(identity, metadata);
      const got = await request(server).get(`${v2(identity)}/${id}`).set(identityHeaders(identity));
      expect(got.body.backup_metadata).toEqual(metadata);
    });

    it('stores long, incompressible values and keys verbatim (a certificate, a base64 blob)', async () => {
      const identity = newIdentity();
      const blob = randomBytes(6000).toString('base64');
      const metadata = buildBackupDoc({ blob, nested: { [`k${randomBytes(2000).toString('hex')}`]: 1 }, list: [blob] });
      const id = await createBackup(identity, metadata);
      const got = await request(server).get(`${v2(identity)}/${id}`).set(identityHeaders(identity));
      expect(got.body.backup_metadata).toEqual(metadata);
    });

    it.each([
      ['no body', undefined],
      ['an empty object', {}],
    ])('answers 400 Missing request body for %s', async (_name, body) => {
      const identity = newIdentity();
      const req = request(server).post(v2(identity)).set(identityHeaders(identity));
      const res = body === undefined ? await req : await req.send(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.badRequest('Missing request body'));
      await expect(listIds(identity)).resolves.toEqual([]);
    });

    it.each(['container', 'hostname', 'backup_name'])('answers 400 when %s is missing or ""', async (key) => {
      const identity = newIdentity();
      const missing = buildBackupDoc();
      delete missing[key];
      for (const metadata of [missing, buildBackupDoc({ [key]: '' })]) {
        const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).send(metadata);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.badRequest(`The backup metadata needs a non-empty '${key}'`));
      }
      await expect(listIds(identity)).resolves.toEqual([]);
    });

    it('answers 400 for a JSON list body', async () => {
      const identity = newIdentity();
      const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).send([buildBackupDoc()]);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.badRequest('The backup metadata must be a JSON object'));
      await expect(listIds(identity)).resolves.toEqual([]);
    });

    it('answers 400 Malformed JSON for a body that is not JSON', async () => {
      const identity = newIdentity();
      const res = await request(server)
        .post(v2(identity))
        .set(identityHeaders(identity))
        .set('Content-Type', 'application/json')
        .send('{"container": "c", "hostname": ');
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.malformedJson());
      await expect(listIds(identity)).resolves.toEqual([]);
    });

    it('answers 403 for another project than the caller\'s, and stores nothing', async () => {
      const identity = newIdentity();
      const res = await request(server).post(v2(identity, 'someone-elses-project')).set(identityHeaders(identity)).send(buildBackupDoc());
      expect(res.status).toBe(403);
      expect(res.body).toEqual(expectedErrors.forbidden());
      const admin = newIdentity({ userId: identity.userId, roles: ['admin'] });
      await expect(listIds(admin, '', v2(admin, 'someone-elses-project'))).resolves.toEqual([]);
    });

    it('lets an admin use any project in the path; the document belongs to that project', async () => {
      const admin = newIdentity({ roles: ['admin'] });
      const id = await createBackup(admin, buildBackupDoc(), v2(admin, 'another-project'));
      const got = await request(server).get(`${v2(admin, 'another-project')}/${id}`).set(identityHeaders(admin));
      expect(got.status).toBe(200);
      expect(got.body.project_id).toBe('another-project');
      await expect(listIds(admin)).resolves.toEqual([]);
    });
  });

  describe('GET /v2/:project_id/backups/:backup_id', () => {
    it('returns exactly the stored document, metadata verbatim, with ETag "1" (user_name is the creator\'s)', async () => {
      const identity = newIdentity();
      const metadata = buildBackupDoc({
        backup_name: 'sauvegarde-été-日本語-💾',
        vendor: { nested: { deeper: [1, { x: 'y', n: null }, []], empty: {} } },
        ratio: 0.75,
        big: 123456789012,
        flags: [true, false, null],
        note: null,
      });
      const id = await createBackup(identity, metadata);
      const res = await request(server).get(`${v2(identity)}/${id}`).set({ ...identityHeaders(identity), 'X-User-Name': 'a-reader' });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body).toEqual({
        backup_id: id,
        user_id: identity.userId,
        user_name: null,
        project_id: identity.projectId,
        status: 'available',
        backup_metadata: metadata,
      });
    });

    it('stores the creator\'s X-User-Name as user_name', async () => {
      const identity = newIdentity();
      const res = await request(server)
        .post(v2(identity))
        .set({ ...identityHeaders(identity), 'X-User-Name': 'alice' })
        .send(buildBackupDoc());
      const got = await request(server).get(`${v2(identity)}/${res.body.backup_id}`).set(identityHeaders(identity));
      expect(got.body.user_name).toBe('alice');
    });

    it('answers 404 for an unknown id', async () => {
      const identity = newIdentity();
      const res = await request(server).get(`${v2(identity)}/0123456789abcdef0123456789abcdef`).set(identityHeaders(identity));
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expectedErrors.notFound('No backup found with ID 0123456789abcdef0123456789abcdef'));
    });

    it('answers 404 for another user\'s backup, in the same project too', async () => {
      const owner = newIdentity();
      const id = await createBackup(owner);
      const other = newIdentity({ projectId: owner.projectId });
      const res = await request(server).get(`${v2(other)}/${id}`).set(identityHeaders(other));
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expectedErrors.notFound(`No backup found with ID ${id}`));
    });

    it('answers 404 for the caller\'s own backup under another project', async () => {
      const admin = newIdentity({ roles: ['admin'] });
      const id = await createBackup(admin);
      const res = await request(server).get(`${v2(admin, 'elsewhere')}/${id}`).set(identityHeaders(admin));
      expect(res.status).toBe(404);
    });
  });

  describe('GET /v2/:project_id/backups', () => {
    it('answers {"backups": []} when the caller has none', async () => {
      const identity = newIdentity();
      const res = await request(server).get(v2(identity)).set(identityHeaders(identity));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ backups: [] });
    });

    it('lists exact documents in creation order (tempest compares them for equality; status came with freezer 2026)', async () => {
      const identity = newIdentity();
      const metadata = [buildBackupDoc(), buildBackupDoc(), buildBackupDoc()];
      const ids: string[] = [];
      for (const m of metadata) ids.push(await createBackup(identity, m));
      const res = await request(server).get(v2(identity)).set(identityHeaders(identity));
      expect(res.body).toEqual({
        backups: metadata.map((m, i) => ({
          backup_id: ids[i],
          user_id: identity.userId,
          user_name: null,
          project_id: identity.projectId,
          status: 'available',
          backup_metadata: m,
        })),
      });
    });

    it('pages with limit and offset: limit=5 then limit=3&offset=5 equals the unpaged list (tempest)', async () => {
      const identity = newIdentity();
      const ids = await createMany(identity, 8);
      const unpaged = await listIds(identity);
      expect(unpaged).toEqual(ids);
      const first = await listIds(identity, '?limit=5');
      const second = await listIds(identity, '?limit=3&offset=5');
      expect(first).toHaveLength(5);
      expect(second).toHaveLength(3);
      expect([...first, ...second]).toEqual(unpaged);
      await expect(listIds(identity, '?offset=8')).resolves.toEqual([]);
    });

    it('returns 10 by default and for limit=0 or a blank limit, and up to the limit asked', async () => {
      const identity = newIdentity();
      const ids = await createMany(identity, 12);
      await expect(listIds(identity)).resolves.toEqual(ids.slice(0, 10));
      await expect(listIds(identity, '?limit=0')).resolves.toEqual(ids.slice(0, 10));
      await expect(listIds(identity, '?limit=')).resolves.toEqual(ids.slice(0, 10));
      await expect(listIds(identity, '?limit=11')).resolves.toEqual(ids.slice(0, 11));
      await expect(listIds(identity, '?limit=10000')).resolves.toEqual(ids);
    });

    it.each([
      ['limit', '10001'],
      ['limit', '-1'],
      ['limit', '2.5'],
      ['limit', 'ten'],
      ['offset', '-1'],
      ['offset', 'x'],
    ])('answers 400 Invalid parameter for %s=%s', async (name, value) => {
      const identity = newIdentity();
      const res = await request(server).get(`${v2(identity)}?${name}=${value}`).set(identityHeaders(identity));
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.invalidParameter(name));
    });

    it('takes the last value of a repeated parameter and ignores unknown ones (all_projects=False)', async () => {
      const identity = newIdentity();
      const ids = await createMany(identity, 4);
      await expect(listIds(identity, '?limit=1&limit=3')).resolves.toEqual(ids.slice(0, 3));
      await expect(listIds(identity, '?limit=bogus&limit=2')).resolves.toEqual(ids.slice(0, 2));
      await expect(listIds(identity, '?all_projects=False&sort=desc&limit=2&offset=1')).resolves.toEqual(ids.slice(1, 3));
    });

    it('accepts the trailing slash freezerclient sends', async () => {
      const identity = newIdentity();
      const ids = await createMany(identity, 2);
      await expect(listIds(identity, '/?limit=1')).resolves.toEqual(ids.slice(0, 1));
    });

    it('returns the items after a marker, then applies offset and limit', async () => {
      const identity = newIdentity();
      const ids = await createMany(identity, 6);
      await expect(listIds(identity, `?marker=${ids[1]}`)).resolves.toEqual(ids.slice(2));
      await expect(listIds(identity, `?marker=${ids[1]}&limit=2`)).resolves.toEqual(ids.slice(2, 4));
      await expect(listIds(identity, `?marker=${ids[1]}&offset=1&limit=2`)).resolves.toEqual(ids.slice(3, 5));
      await expect(listIds(identity, `?marker=${ids[5]}`)).resolves.toEqual([]);
    });

    it('answers 400 Invalid parameter for a marker that is not one of the caller\'s ids', async () => {
      const identity = newIdentity();
      await createMany(identity, 2);
      const other = newIdentity({ projectId: identity.projectId });
      const foreign = await createBackup(other);
      for (const marker of [foreign, '0123456789abcdef0123456789abcdef']) {
        const res = await request(server).get(`${v2(identity)}?marker=${marker}`).set(identityHeaders(identity));
        expect(res.status).toBe(400);
        expect(res.body).toEqual(expectedErrors.invalidParameter('marker'));
      }
    });

    it('shows neither another user\'s backups nor the caller\'s backups of another project', async () => {
      const identity = newIdentity({ roles: ['admin'] });
      const mine = await createBackup(identity);
      await createBackup(identity, buildBackupDoc(), v2(identity, 'other-project'));
      const neighbour = newIdentity({ projectId: identity.projectId });
      await createBackup(neighbour);
      await expect(listIds(identity)).resolves.toEqual([mine]);
    });

    it('answers 403 for another project than the caller\'s unless the caller is admin', async () => {
      const identity = newIdentity();
      const res = await request(server).get(v2(identity, 'not-mine')).set(identityHeaders(identity));
      expect(res.status).toBe(403);
      expect(res.body).toEqual(expectedErrors.forbidden());
      const admin = newIdentity({ roles: ['member', 'admin'] });
      await expect(listIds(admin, '', v2(admin, 'not-mine'))).resolves.toEqual([]);
    });
  });

  describe('status (freezer 2026)', () => {
    it('takes a top-level status of the create body as the backup\'s state, out of the metadata', async () => {
      const identity = newIdentity();
      const metadata = buildBackupDoc();
      const id = await createBackup(identity, { ...metadata, status: 'creating' });
      const got = await request(server).get(`${v2(identity)}/${id}`).set(identityHeaders(identity));
      expect(got.body).toMatchObject({ status: 'creating', backup_metadata: metadata });
      expect(got.body.backup_metadata).not.toHaveProperty('status');
    });

    it.each([['bogus'], [null], [1]])('answers 400 for status %j on create and records nothing', async (status) => {
      const identity = newIdentity();
      const res = await request(server).post(v2(identity)).set(identityHeaders(identity)).send(buildBackupDoc({ status }));
      expect(res.status).toBe(400);
      expect(res.body.description).toMatch(/is not one of \['creating', 'available', 'error', 'deleting', 'deleted'\]$/);
      await expect(listIds(identity)).resolves.toEqual([]);
    });

    it('searches on status', async () => {
      const identity = newIdentity();
      const failed = await createBackup(identity, { ...buildBackupDoc(), status: 'error' });
      const fine = await createBackup(identity);
      const search = (status: string) => request(server).get(v2(identity)).set(identityHeaders(identity)).send({ match: [{ status }] });
      expect((await search('error')).body.backups.map((b: { backup_id: string }) => b.backup_id)).toEqual([failed]);
      expect((await search('available')).body.backups.map((b: { backup_id: string }) => b.backup_id)).toEqual([fine]);
    });
  });

  describe('PATCH /v2/:project_id/backups/:backup_id', () => {
    const patch = (identity: Identity, id: string, body: unknown, headers: Record<string, string> = {}, base = v2(identity)) =>
      request(server)
        .patch(`${base}/${id}`)
        .set({ ...identityHeaders(identity), ...headers })
        .send(body as object);

    it('sets the status, merges backup_metadata one level deep and answers 200 with the whole document', async () => {
      const identity = newIdentity();
      const metadata = buildBackupDoc({ vendor: { a: 1, b: 2 } });
      const id = await createBackup(identity, metadata);
      const res = await patch(identity, id, { status: 'deleting', backup_metadata: { vendor: { c: 3 }, verified: true }, ignored: 'x' });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      const expected = {
        backup_id: id,
        user_id: identity.userId,
        user_name: null,
        project_id: identity.projectId,
        status: 'deleting',
        backup_metadata: { ...metadata, vendor: { c: 3 }, verified: true },
      };
      expect(res.body).toEqual(expected);
      const got = await request(server).get(`${v2(identity)}/${id}`).set(identityHeaders(identity));
      expect({ body: got.body, etag: got.headers.etag }).toEqual({ body: expected, etag: '"2"' });
    });

    it('keeps the status when the patch has none, and the version when nothing changes', async () => {
      const identity = newIdentity();
      const id = await createBackup(identity, { ...buildBackupDoc(), status: 'error' });
      const res = await patch(identity, id, { backup_metadata: {} });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('error');
      expect(res.headers.etag).toBe('"1"');
    });

    it('ignores the ids and owner keys of the body', async () => {
      const identity = newIdentity();
      const id = await createBackup(identity);
      const res = await patch(identity, id, { backup_id: 'other', user_id: 'mallory', project_id: 'elsewhere', status: 'available' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ backup_id: id, user_id: identity.userId, project_id: identity.projectId });
    });

    it('honours If-Match (412 on a stale version, changing nothing)', async () => {
      const identity = newIdentity();
      const id = await createBackup(identity);
      const stale = await patch(identity, id, { status: 'error' }, { 'If-Match': '"7"' });
      expect(stale.status).toBe(412);
      expect(stale.body).toEqual(expectedErrors.preconditionFailed());
      const fresh = await patch(identity, id, { status: 'error' }, { 'If-Match': '"1"' });
      expect(fresh.status).toBe(200);
      expect(fresh.body.status).toBe('error');
    });

    it.each([
      ['an empty body', {}, 'Missing request body'],
      ['a list', [{ status: 'error' }], 'The patch must be a JSON object'],
      ['an unknown status', { status: 'restoring' }, "'restoring' is not one of ['creating', 'available', 'error', 'deleting', 'deleted']"],
      ['metadata that is not an object', { backup_metadata: ['x'] }, "['x'] is not of type 'object'"],
      ['metadata that blanks a required key', { backup_metadata: { container: '' } }, "The backup metadata needs a non-empty 'container'"],
    ])('answers 400 for %s and changes nothing', async (_what, body, message) => {
      const identity = newIdentity();
      const id = await createBackup(identity);
      const before = await request(server).get(`${v2(identity)}/${id}`).set(identityHeaders(identity));
      const res = await patch(identity, id, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.badRequest(message));
      const after = await request(server).get(`${v2(identity)}/${id}`).set(identityHeaders(identity));
      expect([after.body, after.headers.etag]).toEqual([before.body, '"1"']);
    });

    it('answers 404 for a missing backup and for another user\'s', async () => {
      const owner = newIdentity();
      const id = await createBackup(owner);
      const other = newIdentity({ projectId: owner.projectId });
      for (const [who, backupId] of [[owner, '0123456789abcdef0123456789abcdef'], [other, id]] as const) {
        const res = await patch(who, backupId, { status: 'error' });
        expect(res.status).toBe(404);
        expect(res.body).toEqual(expectedErrors.notFound(`No backup found with ID ${backupId}`));
      }
      expect((await request(server).get(`${v2(owner)}/${id}`).set(identityHeaders(owner))).body.status).toBe('available');
    });

    it('works through v1 as well', async () => {
      const identity = newIdentity();
      const id = await createBackup(identity, buildBackupDoc(), v1);
      const res = await patch(identity, id, { status: 'deleted' }, {}, v1);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('deleted');
    });

    it('applies concurrent patches of different metadata keys without losing one', async () => {
      const identity = newIdentity();
      const id = await createBackup(identity);
      const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
      const answers = await Promise.all(keys.map((key) => patch(identity, id, { backup_metadata: { [key]: true } })));
      expect(answers.map((a) => a.status)).toEqual(keys.map(() => 200));
      const got = await request(server).get(`${v2(identity)}/${id}`).set(identityHeaders(identity));
      expect(got.body.backup_metadata).toMatchObject(Object.fromEntries(keys.map((k) => [k, true])));
      expect(got.headers.etag).toBe(`"${keys.length + 1}"`);
    });
  });

  describe('DELETE /v2/:project_id/backups/:backup_id', () => {
    it('answers 204 with no body and the backup is gone', async () => {
      const identity = newIdentity();
      const [keep, drop] = await createMany(identity, 2);
      const res = await request(server).delete(`${v2(identity)}/${drop}`).set(identityHeaders(identity));
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const got = await request(server).get(`${v2(identity)}/${drop}`).set(identityHeaders(identity));
      expect(got.status).toBe(404);
      await expect(listIds(identity)).resolves.toEqual([keep]);
    });

    it('answers 204 for an id that does not exist', async () => {
      const identity = newIdentity();
      const res = await request(server).delete(`${v2(identity)}/0123456789abcdef0123456789abcdef`).set(identityHeaders(identity));
      expect(res.status).toBe(204);
    });

    it('answers 204 for another user\'s backup and leaves it intact (tempest)', async () => {
      const owner = newIdentity();
      const id = await createBackup(owner);
      const other = newIdentity({ projectId: owner.projectId });
      const res = await request(server).delete(`${v2(other)}/${id}`).set(identityHeaders(other));
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      await expect(listIds(owner)).resolves.toEqual([id]);
    });

    it('answers 412 and deletes nothing when If-Match does not match, then deletes with a matching tag', async () => {
      const identity = newIdentity();
      const id = await createBackup(identity);
      const refused = await request(server).delete(`${v2(identity)}/${id}`).set(identityHeaders(identity)).set('If-Match', '"2"');
      expect(refused.status).toBe(412);
      expect(refused.body).toEqual(expectedErrors.preconditionFailed());
      await expect(listIds(identity)).resolves.toEqual([id]);
      const res = await request(server).delete(`${v2(identity)}/${id}`).set(identityHeaders(identity)).set('If-Match', 'W/"1"');
      expect(res.status).toBe(204);
      await expect(listIds(identity)).resolves.toEqual([]);
    });

    it('answers 204 with If-Match on a missing backup (nothing to compare)', async () => {
      const identity = newIdentity();
      const res = await request(server)
        .delete(`${v2(identity)}/0123456789abcdef0123456789abcdef`)
        .set(identityHeaders(identity))
        .set('If-Match', '"1"');
      expect(res.status).toBe(204);
    });
  });

  describe('POST /v1/backups', () => {
    it('answers 201 and stores the caller\'s project from X-Project-Id', async () => {
      const identity = newIdentity();
      const metadata = buildBackupDoc();
      const id = await createBackup(identity, metadata, v1);
      expect(id).toMatch(HEX_ID);
      const got = await request(server).get(`${v1}/${id}`).set(identityHeaders(identity));
      expect(got.status).toBe(200);
      expect(got.headers.etag).toBe('"1"');
      expect(got.body).toEqual({
        backup_id: id,
        user_id: identity.userId,
        user_name: null,
        project_id: identity.projectId,
        status: 'available',
        backup_metadata: metadata,
      });
    });

    it('stores project_id null when the identity has no project', async () => {
      const identity = newIdentity();
      const headers = { 'X-User-Id': identity.userId, 'X-Identity-Status': 'Confirmed' };
      const res = await request(server).post(v1).set(headers).send(buildBackupDoc());
      expect(res.status).toBe(201);
      const got = await request(server).get(`${v1}/${res.body.backup_id}`).set(headers);
      expect(got.body.project_id).toBeNull();
    });

    it('validates as v2 does', async () => {
      const identity = newIdentity();
      const empty = await request(server).post(v1).set(identityHeaders(identity)).send({});
      expect(empty.status).toBe(400);
      expect(empty.body).toEqual(expectedErrors.badRequest('Missing request body'));
      const noContainer = buildBackupDoc();
      delete noContainer.container;
      const missing = await request(server).post(v1).set(identityHeaders(identity)).send(noContainer);
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual(expectedErrors.badRequest("The backup metadata needs a non-empty 'container'"));
      const list = await request(server).post(v1).set(identityHeaders(identity)).send([]);
      expect(list.status).toBe(400);
      await expect(listIds(identity, '', v1)).resolves.toEqual([]);
    });
  });

  describe('GET /v1/backups', () => {
    it('lists the caller\'s backups of every project, v2 ones included, and nobody else\'s', async () => {
      const identity = newIdentity({ roles: ['admin'] });
      const a = await createBackup(identity, buildBackupDoc(), v1);
      const b = await createBackup(identity);
      const c = await createBackup(identity, buildBackupDoc(), v2(identity, 'other-project'));
      await createBackup(newIdentity({ projectId: identity.projectId }), buildBackupDoc(), v1);
      await expect(listIds(identity, '', v1)).resolves.toEqual([a, b, c]);
      await expect(listIds(identity, '?limit=1&offset=1', v1)).resolves.toEqual([b]);
      await expect(listIds(identity, `?marker=${a}`, v1)).resolves.toEqual([b, c]);
      // a v1 backup carries the caller's project, so v2 lists it under that project
      await expect(listIds(identity)).resolves.toEqual([a, b]);
    });

    it('answers 400 Invalid parameter for a bad limit', async () => {
      const identity = newIdentity();
      const res = await request(server).get(`${v1}?limit=-5`).set(identityHeaders(identity));
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.invalidParameter('limit'));
    });
  });

  describe('GET /v1/backups/:backup_id', () => {
    it('answers 404 for another user\'s backup', async () => {
      const owner = newIdentity();
      const id = await createBackup(owner, buildBackupDoc(), v1);
      const other = newIdentity({ projectId: owner.projectId });
      const res = await request(server).get(`${v1}/${id}`).set(identityHeaders(other));
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expectedErrors.notFound(`No backup found with ID ${id}`));
    });
  });

  describe('DELETE /v1/backups/:backup_id', () => {
    it('answers 204 and deletes the caller\'s backup', async () => {
      const identity = newIdentity();
      const id = await createBackup(identity, buildBackupDoc(), v1);
      const res = await request(server).delete(`${v1}/${id}`).set(identityHeaders(identity));
      expect(res.status).toBe(204);
      await expect(listIds(identity, '', v1)).resolves.toEqual([]);
    });

    it('answers 404 No Backup found with ID:<id> for a missing backup', async () => {
      const identity = newIdentity();
      const res = await request(server).delete(`${v1}/0123456789abcdef0123456789abcdef`).set(identityHeaders(identity));
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expectedErrors.notFound('No Backup found with ID:0123456789abcdef0123456789abcdef'));
    });

    it('answers 404 for another user\'s backup and leaves it intact', async () => {
      const owner = newIdentity();
      const id = await createBackup(owner, buildBackupDoc(), v1);
      const other = newIdentity();
      const res = await request(server).delete(`${v1}/${id}`).set(identityHeaders(other));
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expectedErrors.notFound(`No Backup found with ID:${id}`));
      await expect(listIds(owner, '', v1)).resolves.toEqual([id]);
    });

    it('answers 412 when If-Match does not match, and deletes nothing', async () => {
      const identity = newIdentity();
      const id = await createBackup(identity, buildBackupDoc(), v1);
      const res = await request(server).delete(`${v1}/${id}`).set(identityHeaders(identity)).set('If-Match', '"7", "8"');
      expect(res.status).toBe(412);
      expect(res.body).toEqual(expectedErrors.preconditionFailed());
      await expect(listIds(identity, '', v1)).resolves.toEqual([id]);
    });
  });
});
