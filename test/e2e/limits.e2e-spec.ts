// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { API_CSP, DOCS_CSP, HSTS } from '../../src/common/http/security-headers.js';
import { createTestApp } from '../utils/create-test-app.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

// The operator's limits (BODY_LIMIT, JSON shape, RATE_LIMIT), the headers every answer carries,
// CORS_ORIGINS and TRUST_PROXY, each on an application started with the setting.

const HORIZON = 'https://horizon.example.com';
const CORS_ALLOWED_HEADERS = 'Content-Type,Accept,X-Auth-Token,X-Openstack-Request-Id,If-Match';
const CORS_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

async function withApp(env: Record<string, string>, body: (app: NestExpressApplication) => Promise<void>): Promise<void> {
  const app = await createTestApp(env);
  try {
    await body(app);
  } finally {
    await app.close();
  }
}

async function backupCount(app: NestExpressApplication, who: Identity): Promise<number> {
  const res = await request(app.getHttpServer()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who));
  expect(res.status).toBe(200);
  return (res.body as { backups: unknown[] }).backups.length;
}

// An object nested `levels` deep, the outermost counting as level 1.
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < levels; level += 1) value = { a: value };
  return value;
}

describe('Limits', () => {
  let app: NestExpressApplication;
  const server = () => app.getHttpServer();

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  describe('BODY_LIMIT', () => {
    it('answers 413 over the default 1 MiB and stores nothing', async () => {
      const who = newIdentity();
      const doc = buildBackupDoc({ padding: 'x'.repeat(1024 * 1024) });
      const res = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(doc);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 413,
        body: { title: 'Payload Too Large', description: 'The request body is larger than the limit of 1048576 bytes' },
      });
      expect(await backupCount(app, who)).toBe(0);
    });

    it('accepts a body just under the limit', async () => {
      const who = newIdentity();
      const doc = buildBackupDoc({ padding: 'x'.repeat(1024 * 1024 - 1024) });
      const res = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(doc);
      expect(res.status).toBe(201);
    });

    it('follows BODY_LIMIT, on a GET search body too', async () => {
      await withApp({ BODY_LIMIT: '4kb' }, async (small) => {
        const who = newIdentity();
        const tooLarge = { title: 'Payload Too Large', description: 'The request body is larger than the limit of 4096 bytes' };
        const post = await request(small.getHttpServer())
          .post(`/v2/${who.projectId}/backups`)
          .set(identityHeaders(who))
          .send(buildBackupDoc({ padding: 'x'.repeat(4096) }));
        expect({ status: post.status, body: post.body }).toEqual({ status: 413, body: tooLarge });
        const search = await request(small.getHttpServer())
          .get(`/v2/${who.projectId}/backups`)
          .set(identityHeaders(who))
          .send({ match: [{ _all: 'x'.repeat(4096) }] });
        expect({ status: search.status, body: search.body }).toEqual({ status: 413, body: tooLarge });
        expect(await backupCount(small, who)).toBe(0);
      });
    });
  });

  describe('JSON shape', () => {
    it('stores a document nested 64 levels deep and refuses 65 with 400', async () => {
      const who = newIdentity();
      // the backup document is level 1, so `extra` starts at level 2
      const ok = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(buildBackupDoc({ extra: nested(63) }));
      expect(ok.status).toBe(201);
      const got = await request(server()).get(`/v2/${who.projectId}/backups/${ok.body.backup_id}`).set(identityHeaders(who));
      expect(got.body.backup_metadata.extra).toEqual(nested(63));
      const deep = await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(buildBackupDoc({ extra: nested(64) }));
      expect({ status: deep.status, body: deep.body }).toEqual({
        status: 400,
        body: { title: 'Bad request format', description: 'The document is nested deeper than 64 levels' },
      });
      expect(await backupCount(app, who)).toBe(1);
    });

    it('refuses a document with more than 20000 keys and items with 400', async () => {
      const who = newIdentity();
      const res = await request(server())
        .post(`/v2/${who.projectId}/backups`)
        .set(identityHeaders(who))
        .send(buildBackupDoc({ extra: Array.from({ length: 20_000 }, (_, i) => i) }));
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: { title: 'Bad request format', description: 'The document has more than 20000 keys and items' },
      });
      expect(await backupCount(app, who)).toBe(0);
    });
  });

  describe('RATE_LIMIT', () => {
    it('is off by default', async () => {
      const who = newIdentity();
      const statuses = new Set<number>();
      for (let i = 0; i < 30; i += 1) {
        statuses.add((await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who))).status);
      }
      expect([...statuses]).toEqual([200]);
    });

    it('answers 429 with Retry-After once a user has spent the limit, per user', async () => {
      await withApp({ RATE_LIMIT: '3', RATE_LIMIT_WINDOW_S: '3600' }, async (limited) => {
        const alice = newIdentity();
        const bob = newIdentity();
        const get = (who: Identity) => request(limited.getHttpServer()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who));
        const post = (who: Identity) => request(limited.getHttpServer()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(buildBackupDoc());
        // every authenticated route counts, whatever it does
        expect([(await get(alice)).status, (await post(alice)).status, (await get(alice)).status]).toEqual([200, 201, 200]);
        const refused = await post(alice);
        expect(refused.status).toBe(429);
        // 3 per hour: the next request is allowed 20 minutes after the first one
        const retryAfter = Number(refused.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(1190);
        expect(retryAfter).toBeLessThanOrEqual(1200);
        expect(refused.body).toEqual({
          title: 'Too Many Requests',
          description: `The request rate limit of this caller is exceeded; retry after ${retryAfter} s`,
        });
        expect(refused.headers['x-openstack-request-id']).toMatch(/^req-/);
        expect(refused.headers['content-type']).toMatch(/^application\/json/);
        // another user from the same address has a quota of their own
        const bobs = [];
        for (let i = 0; i < 4; i += 1) bobs.push((await get(bob)).status);
        expect(bobs).toEqual([200, 200, 200, 429]);
        // ...and one user is limited whatever project it names
        expect((await get({ ...alice, projectId: 'another-project' })).status).toBe(429);
      });
    });

    it('counts requests that fail authentication against nobody, and limits public routes per client address', async () => {
      await withApp({ RATE_LIMIT: '2', RATE_LIMIT_WINDOW_S: '3600', AUTH_MODE: 'trusted-headers' }, async (limited) => {
        const http = () => request(limited.getHttpServer());
        const unauthenticated = [];
        for (let i = 0; i < 4; i += 1) unauthenticated.push((await http().get('/v2/p1/backups')).status);
        expect(unauthenticated).toEqual([401, 401, 401, 401]);
        const who = newIdentity();
        expect((await http().get(`/v2/${who.projectId}/backups`).set(identityHeaders(who))).status).toBe(200);
        const publicStatuses = [];
        for (let i = 0; i < 3; i += 1) publicStatuses.push((await http().get('/')).status);
        expect(publicStatuses).toEqual([300, 300, 429]);
        const refused = await http().get('/healthcheck');
        expect({ status: refused.status, retryAfter: Number(refused.headers['retry-after']) > 0 }).toEqual({ status: 429, retryAfter: true });
        // without TRUST_PROXY a forwarded address is the caller's own claim and changes nothing
        expect((await http().get('/').set('X-Forwarded-For', '203.0.113.9')).status).toBe(429);
        // the authenticated user has a quota apart from the address
        expect((await http().get(`/v2/${who.projectId}/backups`).set(identityHeaders(who))).status).toBe(200);
      });
    });

    it('limits public routes per forwarded client address behind a trusted proxy', async () => {
      await withApp({ RATE_LIMIT: '1', RATE_LIMIT_WINDOW_S: '3600', TRUST_PROXY: 'loopback' }, async (limited) => {
        const from = (address: string) => request(limited.getHttpServer()).get('/').set('X-Forwarded-For', address);
        expect([(await from('203.0.113.1')).status, (await from('203.0.113.1')).status, (await from('203.0.113.2')).status]).toEqual([300, 429, 300]);
      });
    });
  });
});

describe('Security headers', () => {
  let app: NestExpressApplication;
  const server = () => app.getHttpServer();

  beforeAll(async () => {
    app = await createTestApp({ TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await app.close();
  });

  function headersOf(res: request.Response): Record<string, string | undefined> {
    const names = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'cache-control', 'content-security-policy', 'strict-transport-security'];
    return Object.fromEntries(names.map((name) => [name, res.headers[name] as string | undefined]));
  }

  const API_HEADERS = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'content-security-policy': API_CSP,
    'strict-transport-security': undefined,
  };

  it('are on API answers, public routes and errors alike', async () => {
    const who = newIdentity();
    const answers = [
      await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)),
      await request(server()).get('/'),
      await request(server()).get('/healthcheck'),
      await request(server()).get(`/v2/${who.projectId}/backups/missing`).set(identityHeaders(who)),
      await request(server()).get('/no/such/route'),
      await request(server()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send('{'),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 300, 200, 404, 404, 400]);
    for (const res of answers) expect(headersOf(res)).toEqual(API_HEADERS);
  });

  it('let the Swagger UI page load its own scripts and styles, and nothing else', async () => {
    const page = await request(server()).get('/docs');
    expect(page.status).toBe(200);
    expect(headersOf(page)).toEqual({ ...API_HEADERS, 'cache-control': undefined, 'content-security-policy': DOCS_CSP });
    expect(DOCS_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    // the page has no inline script for that policy to block
    expect(page.text).not.toMatch(/<script>/);
    expect((await request(server()).get('/openapi.json')).headers['content-security-policy']).toBe(API_CSP);
  });

  it('include Strict-Transport-Security only when a trusted proxy says the request came over https', async () => {
    const https = await request(server()).get('/').set('X-Forwarded-Proto', 'https');
    expect(https.headers['strict-transport-security']).toBe(HSTS);
    expect(HSTS).toBe('max-age=31536000');
    expect((await request(server()).get('/').set('X-Forwarded-Proto', 'http')).headers['strict-transport-security']).toBeUndefined();
    await withApp({}, async (direct) => {
      const untrusted = await request(direct.getHttpServer()).get('/').set('X-Forwarded-Proto', 'https');
      expect(untrusted.headers['strict-transport-security']).toBeUndefined();
    });
  });
});

describe('CORS_ORIGINS', () => {
  let app: NestExpressApplication;
  const server = () => app.getHttpServer();

  // trusted-headers: a request without an identity is refused, so a passing preflight proves it needs none
  beforeAll(async () => {
    app = await createTestApp({ CORS_ORIGINS: `${HORIZON},https://other.example.org`, AUTH_MODE: 'trusted-headers' });
  });
  afterAll(async () => {
    await app.close();
  });

  function preflight(origin: string, path = '/v2/p1/backups') {
    return request(server())
      .options(path)
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-auth-token,content-type');
  }

  it('answers a preflight from an allowed origin without authentication', async () => {
    const res = await preflight(HORIZON);
    expect({
      status: res.status,
      origin: res.headers['access-control-allow-origin'],
      methods: res.headers['access-control-allow-methods'],
      headers: res.headers['access-control-allow-headers'],
      maxAge: res.headers['access-control-max-age'],
      vary: res.headers.vary,
      body: res.text,
    }).toEqual({ status: 204, origin: HORIZON, methods: CORS_METHODS, headers: CORS_ALLOWED_HEADERS, maxAge: '600', vary: 'Origin', body: '' });
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    expect((await preflight('https://other.example.org', '/v2/p1/jobs/j1/event')).headers['access-control-allow-origin']).toBe('https://other.example.org');
  });

  it.each(['https://evil.example.com', 'https://horizon.example.com.evil.example.com', 'http://horizon.example.com', 'null'])(
    'gives no CORS permission to the refused origin %s',
    async (origin) => {
      const res = await preflight(origin);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const get = await request(server()).get('/').set('Origin', origin);
      expect(get.status).toBe(300);
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it('marks a simple GET from an allowed origin, exposing the request id, ETag and Retry-After', async () => {
    const who = newIdentity();
    const res = await request(server()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).set('Origin', HORIZON);
    expect({
      status: res.status,
      origin: res.headers['access-control-allow-origin'],
      exposed: res.headers['access-control-expose-headers'],
      vary: res.headers.vary,
    }).toEqual({ status: 200, origin: HORIZON, exposed: 'x-openstack-request-id,ETag,Retry-After', vary: 'Origin' });
  });

  it('marks error answers too, varying on both Origin and Accept', async () => {
    const refused = await request(server()).get('/v2/p1/backups').set('Origin', HORIZON);
    expect({ status: refused.status, title: refused.body.title, origin: refused.headers['access-control-allow-origin'], vary: refused.headers.vary }).toEqual({
      status: 401,
      title: 'Unauthorized',
      origin: HORIZON,
      vary: 'Origin, Accept',
    });
    const missing = await request(server()).get('/no/such/route').set('Origin', HORIZON);
    expect({ status: missing.status, origin: missing.headers['access-control-allow-origin'], vary: missing.headers.vary }).toEqual({
      status: 404,
      origin: HORIZON,
      vary: 'Origin, Accept',
    });
  });

  it('marks a 429 too, so a dashboard can read its Retry-After', async () => {
    await withApp({ CORS_ORIGINS: HORIZON, RATE_LIMIT: '1', RATE_LIMIT_WINDOW_S: '3600' }, async (limited) => {
      const who = newIdentity();
      const get = () => request(limited.getHttpServer()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).set('Origin', HORIZON);
      expect((await get()).status).toBe(200);
      const refused = await get();
      expect({
        status: refused.status,
        origin: refused.headers['access-control-allow-origin'],
        exposed: refused.headers['access-control-expose-headers'],
        retryAfter: Number(refused.headers['retry-after']) > 0,
      }).toEqual({ status: 429, origin: HORIZON, exposed: 'x-openstack-request-id,ETag,Retry-After', retryAfter: true });
    });
  });

  it('is off without CORS_ORIGINS: no CORS header for any origin', async () => {
    await withApp({}, async (plain) => {
      const res = await request(plain.getHttpServer())
        .options('/v2/p1/backups')
        .set('Origin', HORIZON)
        .set('Access-Control-Request-Method', 'POST');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
    });
  });
});

describe('TRUST_PROXY', () => {
  const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'freezer.example.com', Host: 'backend:9090' };

  async function versionLinks(env: Record<string, string>, headers: Record<string, string>): Promise<string[]> {
    let links: string[] = [];
    await withApp(env, async (app) => {
      const res = await request(app.getHttpServer()).get('/').set(headers);
      expect(res.status).toBe(300);
      links = (res.body as { versions: Array<{ links: Array<{ href: string }> }> }).versions.map((v) => v.links[0].href);
    });
    return links;
  }

  it.each([
    ['true', 'true'],
    ['a hop count', '1'],
    ['the loopback range', 'loopback'],
    ['a subnet list', '10.0.0.0/8,127.0.0.0/8'],
  ])('builds the links of GET / from X-Forwarded-Proto and -Host when it trusts the proxy by %s', async (_label, trust) => {
    expect(await versionLinks({ TRUST_PROXY: trust }, forwarded)).toEqual(['https://freezer.example.com/v2/', 'https://freezer.example.com/v1/']);
  });

  it('takes the first of several forwarded hosts', async () => {
    expect(await versionLinks({ TRUST_PROXY: 'loopback' }, { ...forwarded, 'X-Forwarded-Host': 'freezer.example.com:8443, inner.example' })).toEqual([
      'https://freezer.example.com:8443/v2/',
      'https://freezer.example.com:8443/v1/',
    ]);
  });

  it.each([
    ['by default', {}],
    ['when the proxy is not in the trusted list', { TRUST_PROXY: '10.0.0.0/8' }],
  ])('ignores the forwarded headers %s and uses Host', async (_label, env: Record<string, string>) => {
    expect(await versionLinks(env, forwarded)).toEqual(['http://backend:9090/v2/', 'http://backend:9090/v1/']);
  });
});
