// SPDX-License-Identifier: Apache-2.0
// The search semantics of D10 (spec §4.3 "Required semantics"), run by PostgreSQL through the list
// routes. Each test registers its own documents under a fresh identity and names them, so that a
// result reads as the list of names that matched, in creation order.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildBackupDoc, type BackupMetadataDoc } from '../factories/backup.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

describe('search', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;

  beforeAll(async () => {
    app = await createTestApp();
    server = app.getHttpServer();
  });
  afterAll(async () => {
    await app.close();
  });

  const backups = (identity: Identity) => `/v2/${identity.projectId}/backups`;

  // Creates one backup per entry, named by its key, in order; returns the caller.
  async function seedBackups(named: Record<string, BackupMetadataDoc>): Promise<Identity> {
    const identity = newIdentity();
    for (const [name, overrides] of Object.entries(named)) {
      const res = await request(server)
        .post(backups(identity))
        .set(identityHeaders(identity))
        .send(buildBackupDoc({ backup_name: name, ...overrides }));
      expect(res.status).toBe(201);
    }
    return identity;
  }

  // The names of the backups a search returns. A string body is sent as raw JSON text.
  async function names(identity: Identity, search: object | string, query = ''): Promise<string[]> {
    const req = request(server).get(`${backups(identity)}${query}`).set(identityHeaders(identity)).set('Content-Type', 'application/json');
    const res = await req.send(typeof search === 'string' ? search : JSON.stringify(search));
    expect(res.status).toBe(200);
    return (res.body.backups as Array<{ backup_metadata: { backup_name: string } }>).map((doc) => doc.backup_metadata.backup_name);
  }

  // (the metadata key here is `state`: a backup's own top-level `status` would shadow a deeper one)
  describe('GET /v2/:project_id/backups with a bare key', () => {
    it('matches the key at the shallowest depth where it occurs, not deeper ones', async () => {
      const identity = await seedBackups({
        shallowOk: { state: 'ok', extra: { state: 'failed' } },
        deepOnly: { extra: { state: 'ok' } },
        shallowFailed: { state: 'failed', extra: { state: 'ok' } },
        none: {},
      });
      await expect(names(identity, { match: [{ state: 'ok' }] })).resolves.toEqual(['shallowOk', 'deepOnly']);
      await expect(names(identity, { match: [{ state: 'failed' }] })).resolves.toEqual(['shallowFailed']);
    });

    it('prefers a top-level key of the document over one inside backup_metadata', async () => {
      const identity = await seedBackups({ a: { user_id: 'spoofed' }, b: {} });
      await expect(names(identity, { match: [{ user_id: identity.userId }] })).resolves.toEqual(['a', 'b']);
      await expect(names(identity, { match: [{ user_id: 'spoofed' }] })).resolves.toEqual([]);
    });

    it('treats ties at one depth as a set: any of them may match', async () => {
      const identity = await seedBackups({
        twins: { left: { state: 'x' }, right: { state: 'y' } },
        deeper: { left: { state: 'z', inner: { state: 'x' } } },
      });
      await expect(names(identity, { match: [{ state: 'x' }] })).resolves.toEqual(['twins']);
      await expect(names(identity, { match: [{ state: 'y' }] })).resolves.toEqual(['twins']);
      await expect(names(identity, { match: [{ state: 'z' }] })).resolves.toEqual(['deeper']);
      // both constraints hold for the same document: each picks one member of the set
      await expect(names(identity, { match: [{ state: 'x' }, { state: 'y' }] })).resolves.toEqual(['twins']);
    });

    it('puts objects inside an array at the depth of the array\'s key', async () => {
      const identity = await seedBackups({
        listed: { runs: [{ state: 'first' }, [{ state: 'nested' }]], other: { state: 'sibling' } },
        shadowed: { state: 'top', runs: [{ state: 'inner' }] },
      });
      await expect(names(identity, { match: [{ state: 'first' }] })).resolves.toEqual(['listed']);
      await expect(names(identity, { match: [{ state: 'nested' }] })).resolves.toEqual(['listed']);
      await expect(names(identity, { match: [{ state: 'sibling' }] })).resolves.toEqual(['listed']);
      await expect(names(identity, { match: [{ state: 'top' }] })).resolves.toEqual(['shadowed']);
      await expect(names(identity, { match: [{ state: 'inner' }] })).resolves.toEqual([]);
    });

    it('applies the same depth rule to the promoted keys (level, hostname)', async () => {
      const identity = await seedBackups({
        top: { level: 1, extra: { level: 3 } },
        deep: { level: undefined, extra: { level: 3 } },
        hosts: { hostname: 'h-top', vm: { hostname: 'h-deep' } },
      });
      await expect(names(identity, { match: [{ level: 3 }] })).resolves.toEqual(['deep']);
      await expect(names(identity, { match: [{ level: 1 }] })).resolves.toEqual(['top']);
      await expect(names(identity, { match: [{ hostname: 'h-top' }] })).resolves.toEqual(['hosts']);
      await expect(names(identity, { match: [{ hostname: 'h-deep' }] })).resolves.toEqual([]);
    });

    it('matches generic (not promoted) keys such as mode and storage', async () => {
      const identity = await seedBackups({
        fsSwift: { mode: 'fs', storage: 'swift' },
        mysqlLocal: { mode: 'mysql', storage: 'local' },
        fsLocal: { mode: 'fs', storage: 'local' },
      });
      await expect(names(identity, { match: [{ mode: 'fs' }] })).resolves.toEqual(['fsSwift', 'fsLocal']);
      await expect(names(identity, { match: [{ storage: 'local' }] })).resolves.toEqual(['mysqlLocal', 'fsLocal']);
      await expect(names(identity, { match: [{ mode: 'mongo' }] })).resolves.toEqual([]);
    });

    it('matches long values on generic and promoted keys, and finds them with _all', async () => {
      const blob = randomBytes(3000).toString('base64');
      const other = randomBytes(3000).toString('base64');
      const identity = await seedBackups({ long: { certificate: blob, container: blob }, short: { certificate: 'short' }, other: { certificate: other } });
      await expect(names(identity, { match: [{ certificate: blob }] })).resolves.toEqual(['long']);
      await expect(names(identity, { match: [{ certificate: blob.slice(0, -1) }] })).resolves.toEqual([]);
      await expect(names(identity, { match: [{ container: blob }] })).resolves.toEqual(['long']);
      await expect(names(identity, { match_not: [{ certificate: blob }] })).resolves.toEqual(['short', 'other']);
      await expect(names(identity, { match: [{ _all: blob.slice(1000, 1100) }] })).resolves.toEqual(['long']);
    });

    it('finds one backup by backup_id, as the web UI does (limit=1)', async () => {
      const identity = await seedBackups({ a: {}, b: {}, c: {} });
      const list = await request(server).get(backups(identity)).set(identityHeaders(identity));
      const id = list.body.backups[1].backup_id as string;
      await expect(names(identity, { match: [{ backup_id: id }] }, '?limit=1')).resolves.toEqual(['b']);
    });
  });

  describe('GET /v2/:project_id/backups with a dotted path', () => {
    it('compares the value at that exact path only', async () => {
      const identity = await seedBackups({
        one: { level: 1 },
        deepOne: { level: 2, extra: { level: 1 } },
        nested: { extra: { status: 'ok' } },
      });
      await expect(names(identity, { match: [{ 'backup_metadata.level': 1 }] })).resolves.toEqual(['one']);
      await expect(names(identity, { match: [{ 'backup_metadata.extra.level': 1 }] })).resolves.toEqual(['deepOne']);
      await expect(names(identity, { match: [{ 'backup_metadata.extra.status': 'ok' }] })).resolves.toEqual(['nested']);
      await expect(names(identity, { match: [{ 'extra.level': 1 }] })).resolves.toEqual([]);
      await expect(names(identity, { match: [{ 'backup_metadata.storage': 'swift' }] })).resolves.toEqual(['one', 'deepOne', 'nested']);
    });

    it('compares an object at a path exactly', async () => {
      const identity = await seedBackups({ a: { extra: { x: 1, y: [1, 2] } }, b: { extra: { x: 1 } } });
      await expect(names(identity, { match: [{ 'backup_metadata.extra': { y: [1, 2], x: 1 } }] })).resolves.toEqual(['a']);
      await expect(names(identity, { match: [{ 'backup_metadata.extra': { x: 1 } }] })).resolves.toEqual(['b']);
    });
  });

  describe('GET /v2/:project_id/backups: equality is JSON-typed', () => {
    it('tells "22" from 22 on generic keys, and true from 1', async () => {
      const identity = await seedBackups({
        text: { size: '22', flag: 'true' },
        number: { size: 22, flag: 1 },
        boolean: { size: 22.5, flag: true },
      });
      await expect(names(identity, { match: [{ size: 22 }] })).resolves.toEqual(['number']);
      await expect(names(identity, { match: [{ size: '22' }] })).resolves.toEqual(['text']);
      await expect(names(identity, { match: [{ flag: true }] })).resolves.toEqual(['boolean']);
      await expect(names(identity, { match: [{ flag: 1 }] })).resolves.toEqual(['number']);
      await expect(names(identity, { match: [{ flag: 'true' }] })).resolves.toEqual(['text']);
      await expect(names(identity, { match: [{ 'backup_metadata.size': '22' }] })).resolves.toEqual(['text']);
    });

    it('tells "1" from 1 on the promoted level', async () => {
      const identity = await seedBackups({ number: { level: 1 }, text: { level: '1' } });
      await expect(names(identity, { match: [{ level: 1 }] })).resolves.toEqual(['number']);
      await expect(names(identity, { match: [{ level: '1' }] })).resolves.toEqual(['text']);
    });

    it('compares numbers by value: 1 equals 1.0 (raw JSON), on promoted, generic and dotted keys', async () => {
      const identity = await seedBackups({ one: { level: 1, size: 1 }, two: { level: 2, size: 2 } });
      await expect(names(identity, '{"match": [{"level": 1.0}]}')).resolves.toEqual(['one']);
      await expect(names(identity, '{"match": [{"size": 1.00}]}')).resolves.toEqual(['one']);
      await expect(names(identity, '{"match": [{"backup_metadata.size": 1.0}]}')).resolves.toEqual(['one']);
      await expect(names(identity, '{"match": [{"size": 2e0}]}')).resolves.toEqual(['two']);
    });

    it('requires an object value to equal exactly (no partial containment), whatever the key order', async () => {
      const identity = await seedBackups({
        full: { options: { a: 1, b: [1, 2] } },
        partial: { options: { a: 1 } },
      });
      await expect(names(identity, { match: [{ options: { b: [1, 2], a: 1 } }] })).resolves.toEqual(['full']);
      await expect(names(identity, { match: [{ options: { a: 1 } }] })).resolves.toEqual(['partial']);
      await expect(names(identity, { match: [{ options: { a: 1.0, b: [1, 2], c: null } }] })).resolves.toEqual([]);
    });

    it('requires a list value to equal exactly, in order, and a scalar never matches a list', async () => {
      const identity = await seedBackups({ xy: { tags: ['x', 'y'] }, x: { tags: ['x'] }, scalar: { tags: 'x' } });
      await expect(names(identity, { match: [{ tags: ['x', 'y'] }] })).resolves.toEqual(['xy']);
      await expect(names(identity, { match: [{ tags: ['y', 'x'] }] })).resolves.toEqual([]);
      await expect(names(identity, { match: [{ tags: ['x'] }] })).resolves.toEqual(['x']);
      await expect(names(identity, { match: [{ tags: 'x' }] })).resolves.toEqual(['scalar']);
    });

    it('matches {"key": null} when the key is absent or null', async () => {
      const identity = await seedBackups({
        isNull: { note: null, level: null },
        absent: { level: undefined },
        present: { note: 'n', level: 0 },
      });
      await expect(names(identity, { match: [{ note: null }] })).resolves.toEqual(['isNull', 'absent']);
      await expect(names(identity, { match: [{ level: null }] })).resolves.toEqual(['isNull', 'absent']);
      await expect(names(identity, { match: [{ 'backup_metadata.note': null }] })).resolves.toEqual(['isNull', 'absent']);
      await expect(names(identity, { match_not: [{ note: null }] })).resolves.toEqual(['present']);
    });
  });

  describe('GET /v2/:project_id/backups with match_not and several elements', () => {
    it('drops a document when any match_not pair holds', async () => {
      const identity = await seedBackups({
        a: { mode: 'fs', level: 0 },
        b: { mode: 'fs', level: 1 },
        c: { mode: 'mysql', level: 0 },
      });
      await expect(names(identity, { match_not: [{ mode: 'fs' }] })).resolves.toEqual(['c']);
      await expect(names(identity, { match_not: [{ mode: 'mysql' }, { level: 1 }] })).resolves.toEqual(['a']);
      await expect(names(identity, { match: [{ mode: 'fs' }], match_not: [{ level: 1 }] })).resolves.toEqual(['a']);
      await expect(names(identity, { match_not: [{ 'backup_metadata.level': 0 }] })).resolves.toEqual(['b']);
      await expect(names(identity, { match_not: [{ absent_key: 'anything' }] })).resolves.toEqual(['a', 'b', 'c']);
    });

    it('ANDs every pair of every match element', async () => {
      const identity = await seedBackups({
        a: { hostname: 'h1', level: 0 },
        b: { hostname: 'h1', level: 1 },
        c: { hostname: 'h2', level: 1 },
      });
      await expect(names(identity, { match: [{ hostname: 'h1' }, { level: 1 }] })).resolves.toEqual(['b']);
      await expect(names(identity, { match: [{ hostname: 'h1', level: 1 }] })).resolves.toEqual(['b']);
      await expect(names(identity, { match: [{ level: 0 }, { level: 1 }] })).resolves.toEqual([]);
      await expect(names(identity, { match: [{ level: 1 }, { 'backup_metadata.hostname': 'h2' }] })).resolves.toEqual(['c']);
    });

    it('answers every document for an empty search', async () => {
      const identity = await seedBackups({ a: {}, b: {} });
      await expect(names(identity, {})).resolves.toEqual(['a', 'b']);
      await expect(names(identity, { match: [], match_not: [] })).resolves.toEqual(['a', 'b']);
    });
  });

  describe('GET /v2/:project_id/backups with _all', () => {
    it('is a case-insensitive substring test', async () => {
      const identity = await seedBackups({ 'Nightly-ETC-Full': {}, 'weekly-home': {} });
      await expect(names(identity, { match: [{ _all: 'etc-full' }] })).resolves.toEqual(['Nightly-ETC-Full']);
      await expect(names(identity, { match: [{ _all: 'NIGHTLY' }] })).resolves.toEqual(['Nightly-ETC-Full']);
      await expect(names(identity, { match: [{ _all: 'LY-etc' }] })).resolves.toEqual(['Nightly-ETC-Full']);
      await expect(names(identity, { match: [{ _all: 'ly-' }, { _all: 'home' }] })).resolves.toEqual(['weekly-home']);
    });

    it('takes %, _ and \\ literally', async () => {
      const identity = await seedBackups({ 'p%q': {}, p_q: {}, pxq: {}, 'p\\q': {} });
      await expect(names(identity, { match: [{ _all: 'p%q' }] })).resolves.toEqual(['p%q']);
      await expect(names(identity, { match: [{ _all: 'p_q' }] })).resolves.toEqual(['p_q']);
      await expect(names(identity, { match: [{ _all: 'p\\q' }] })).resolves.toEqual(['p\\q']);
      await expect(names(identity, { match: [{ _all: '%' }] })).resolves.toEqual(['p%q']);
    });

    it('reaches string and number leaves at any depth, not keys, booleans or nulls', async () => {
      const identity = await seedBackups({
        numbers: { size: 987654321, extra: { runs: [{ took: 4242.5 }] } },
        keys: { zebrakey: 'v', flag: true, nothing: null },
        deep: { extra: { list: [{ label: 'Needle-In-Haystack' }] } },
      });
      // digits only: long enough that no random hex id holds them
      await expect(names(identity, { match: [{ _all: '87654321' }] })).resolves.toEqual(['numbers']);
      await expect(names(identity, { match: [{ _all: 4242.5 }] })).resolves.toEqual(['numbers']);
      await expect(names(identity, { match: [{ _all: 'zebrakey' }] })).resolves.toEqual([]);
      await expect(names(identity, { match: [{ _all: 'true' }] })).resolves.toEqual([]);
      await expect(names(identity, { match: [{ _all: 'null' }] })).resolves.toEqual([]);
      await expect(names(identity, { match: [{ _all: 'needle-in' }] })).resolves.toEqual(['deep']);
    });

    it('reaches the top-level fields of the document too (backup_id, user_id)', async () => {
      const identity = await seedBackups({ a: {}, b: {} });
      const list = await request(server).get(backups(identity)).set(identityHeaders(identity));
      const id = list.body.backups[0].backup_id as string;
      await expect(names(identity, { match: [{ _all: id }] })).resolves.toEqual(['a']);
      await expect(names(identity, { match: [{ _all: identity.userId }] })).resolves.toEqual(['a', 'b']);
    });

    it('combines with match and match_not', async () => {
      const identity = await seedBackups({ 'alpha-1': { level: 0 }, 'alpha-2': { level: 1 }, 'beta-1': { level: 0 } });
      await expect(names(identity, { match: [{ _all: 'alpha' }, { level: 0 }] })).resolves.toEqual(['alpha-1']);
      await expect(names(identity, { match: [{ _all: 'alpha' }], match_not: [{ level: 0 }] })).resolves.toEqual(['alpha-2']);
    });

    it('acts as a match list when it holds a JSON list of objects; match_not stays in force', async () => {
      const identity = await seedBackups({ a: { mode: 'fs' }, b: { mode: 'fs' }, c: { mode: 'mysql' } });
      await expect(names(identity, { match: [{ _all: JSON.stringify([{ backup_name: 'b' }]) }] })).resolves.toEqual(['b']);
      await expect(names(identity, { match: [{ _all: '[{"mode": "fs"}]' }], match_not: [{ backup_name: 'a' }] })).resolves.toEqual(['b']);
      await expect(names(identity, { match: [{ _all: '[{"mode": "fs"}, {"backup_name": "a"}]' }] })).resolves.toEqual(['a']);
    });

    it('searches a string that is not a JSON list of objects as text', async () => {
      const identity = await seedBackups({ '[weird': {}, plain: {} });
      await expect(names(identity, { match: [{ _all: '[weird' }] })).resolves.toEqual(['[weird']);
    });
  });

  describe('GET /v2/:project_id/backups with time_after / time_before', () => {
    it('compares backup_metadata.time_stamp, falling back to timestamp, inclusively', async () => {
      const identity = await seedBackups({
        t100: { time_stamp: 100 },
        t200: { time_stamp: 200 },
        fallback250: { time_stamp: undefined, timestamp: 250 },
        t300: { time_stamp: 300, timestamp: 1 },
        nullFallback280: { time_stamp: null, timestamp: 280 },
        untimed: { time_stamp: undefined },
      });
      await expect(names(identity, { time_after: 200 })).resolves.toEqual(['t200', 'fallback250', 't300', 'nullFallback280']);
      await expect(names(identity, { time_before: 200 })).resolves.toEqual(['t100', 't200']);
      await expect(names(identity, { time_after: 150, time_before: 260 })).resolves.toEqual(['t200', 'fallback250']);
      await expect(names(identity, { time_after: 301 })).resolves.toEqual([]);
    });

    it('combines with match', async () => {
      const identity = await seedBackups({ a: { time_stamp: 100, mode: 'fs' }, b: { time_stamp: 200, mode: 'fs' }, c: { time_stamp: 300, mode: 'sql' } });
      await expect(names(identity, { match: [{ mode: 'fs' }], time_after: 150 })).resolves.toEqual(['b']);
    });
  });

  describe('GET /v2/:project_id/backups paging with a search', () => {
    it('filters first, then applies offset and limit to the matches', async () => {
      const identity = await seedBackups({
        m1: { hostname: 'match' },
        x1: { hostname: 'other' },
        m2: { hostname: 'match' },
        m3: { hostname: 'match' },
        x2: { hostname: 'other' },
        m4: { hostname: 'match' },
        m5: { hostname: 'match' },
      });
      const search = { match: [{ hostname: 'match' }] };
      await expect(names(identity, search, '?limit=2')).resolves.toEqual(['m1', 'm2']);
      await expect(names(identity, search, '?limit=2&offset=2')).resolves.toEqual(['m3', 'm4']);
      await expect(names(identity, search, '?offset=4')).resolves.toEqual(['m5']);
      await expect(names(identity, { match: [{ _all: 'm' }], match_not: [{ hostname: 'other' }] }, '?limit=1&offset=1')).resolves.toEqual(['m2']);
    });

    it('applies a marker before the search\'s offset and limit', async () => {
      const identity = await seedBackups({ m1: { level: 1 }, m2: { level: 1 }, x: { level: 2 }, m3: { level: 1 }, m4: { level: 1 } });
      const list = await request(server).get(backups(identity)).set(identityHeaders(identity));
      const marker = list.body.backups[1].backup_id as string;
      await expect(names(identity, { match: [{ level: 1 }] }, `?marker=${marker}`)).resolves.toEqual(['m3', 'm4']);
      await expect(names(identity, { match: [{ level: 1 }] }, `?marker=${marker}&limit=1&offset=1`)).resolves.toEqual(['m4']);
    });

    it('never returns another user\'s matching documents', async () => {
      const identity = await seedBackups({ mine: { mode: 'shared-mode' } });
      const neighbour = newIdentity({ projectId: identity.projectId });
      await request(server).post(backups(neighbour)).set(identityHeaders(neighbour)).send(buildBackupDoc({ mode: 'shared-mode' }));
      await expect(names(identity, { match: [{ mode: 'shared-mode' }] })).resolves.toEqual(['mine']);
      await expect(names(identity, { match: [{ _all: 'shared-mode' }] })).resolves.toEqual(['mine']);
    });
  });

  describe('GET /v2/:project_id/backups with a malformed search', () => {
    it.each([
      ['a list body', [{ match: [] }], 'The search document must be a JSON object'],
      ['match as an object', { match: { level: 1 } }, 'The search "match" must be a list of objects'],
      ['a scalar match element', { match: ['level'] }, 'Every element of the search "match" must be an object'],
      ['_all as an object', { match: [{ _all: { a: 1 } }] }, 'The search "_all" value must be a string'],
      ['time_after as a string', { time_after: '100' }, 'The search "time_after" must be a number (epoch seconds)'],
    ])('answers 400 for %s', async (_name, search, description) => {
      const identity = newIdentity();
      const res = await request(server).get(backups(identity)).set(identityHeaders(identity)).send(search);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expectedErrors.badRequest(description));
    });
  });

  describe('GET /v2/:project_id/clients with a search', () => {
    const clients = (identity: Identity) => `/v2/${identity.projectId}/clients`;

    async function clientIds(identity: Identity, search: object): Promise<string[]> {
      const res = await request(server).get(clients(identity)).set(identityHeaders(identity)).send(search);
      expect(res.status).toBe(200);
      return (res.body.clients as Array<{ client: { client_id: string } }>).map((doc) => doc.client.client_id);
    }

    it('resolves client_id, hostname and uuid inside client, and reaches the uuid with _all', async () => {
      // a service user: registering a central client (is_central: true) takes clients:create_central
      const identity = newIdentity({ roles: ['member', 'service'] });
      const bodies = [
        buildClientDoc({ uuid: 'aaaa1111bbbb2222cccc3333dddd4444', hostname: 'dbsrv1.example.com' }),
        buildClientDoc({ uuid: 'eeee5555ffff6666aaaa7777bbbb8888', hostname: 'dbsrv2.example.com', is_central: true }),
        buildClientDoc({ hostname: 'web1.example.com', description: undefined }),
      ];
      const ids = bodies.map((body) => body.client_id as string);
      for (const body of bodies) {
        const res = await request(server).post(clients(identity)).set(identityHeaders(identity)).send(body);
        expect(res.status).toBe(201);
      }
      await expect(clientIds(identity, { match: [{ client_id: ids[1] }] })).resolves.toEqual([ids[1]]);
      await expect(clientIds(identity, { match: [{ hostname: 'dbsrv1.example.com' }] })).resolves.toEqual([ids[0]]);
      await expect(clientIds(identity, { match: [{ uuid: 'eeee5555ffff6666aaaa7777bbbb8888' }] })).resolves.toEqual([ids[1]]);
      await expect(clientIds(identity, { match: [{ _all: 'EEEE5555FFFF6666' }] })).resolves.toEqual([ids[1]]);
      await expect(clientIds(identity, { match: [{ _all: 'DBSRV' }] })).resolves.toEqual([ids[0], ids[1]]);
      await expect(clientIds(identity, { match: [{ is_central: true }] })).resolves.toEqual([ids[1]]);
      await expect(clientIds(identity, { match: [{ description: null }] })).resolves.toEqual([ids[2]]);
      await expect(clientIds(identity, { match: [{ 'client.hostname': 'web1.example.com' }] })).resolves.toEqual([ids[2]]);
      // clients have no time column: the bounds are accepted and ignored
      await expect(clientIds(identity, { time_after: 1e12 })).resolves.toEqual(ids);
    });
  });
});
