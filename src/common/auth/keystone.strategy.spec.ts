// SPDX-License-Identifier: Apache-2.0
// The expiry and renewal logic of the keystone mode with a fake clock and a scripted fetch (the
// e2e suite keystone-auth runs it against a real Keystone).
import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import type { KeystoneConfig } from '../../config/env.validation.js';
import { FreezerError } from '../errors/freezer-errors.js';
import { KeystoneClient } from './keystone-client.js';
import { KeystoneStrategy } from './keystone.strategy.js';

const config: KeystoneConfig = {
  url: 'http://keystone.test/v3', username: 'freezer', password: 'pw', projectName: 'service',
  userDomainName: 'Default', projectDomainName: 'Default', cacheTtlS: 300,
};
const HOUR = 3_600_000;

function scripted(now: () => number) {
  const calls: string[] = [];
  let up = true;
  let serviceTokens = 0;
  const valid = new Map<string, number>();
  let revokedService: string | null = null;
  const fetchFn = (async (url: string, init: RequestInit = {}) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    if (!up) throw new TypeError('fetch failed');
    if (init.method === 'POST') {
      serviceTokens++;
      calls.push('issue');
      const token = `svc-${serviceTokens}`;
      const body = { token: { expires_at: new Date(now() + HOUR).toISOString(), user: { id: 'svc' } } };
      return new Response(JSON.stringify(body), { status: 201, headers: { 'x-subject-token': token } });
    }
    calls.push(`validate with ${headers['x-auth-token']}`);
    if (headers['x-auth-token'] === revokedService) return new Response('{}', { status: 401 });
    const expires = valid.get(headers['x-subject-token']);
    if (expires === undefined) return new Response('{}', { status: 404 });
    const body = {
      token: { expires_at: new Date(expires).toISOString(), user: { id: 'u1', name: 'alice' }, project: { id: 'p1' }, roles: [{ name: 'Member' }, { name: 'Admin' }] },
    };
    return new Response(JSON.stringify(body), { status: 200 });
  }) as typeof fetch;
  return {
    fetchFn,
    calls,
    valid,
    down: () => (up = false),
    revokeService: (token: string) => (revokedService = token),
  };
}

function request(token?: string): Request {
  return { get: (name: string) => (name.toLowerCase() === 'x-auth-token' ? token : name.toLowerCase() === 'x-user-id' ? 'mallory' : undefined) } as unknown as Request;
}

function setup() {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const now = () => t;
  const ks = scripted(now);
  const client = new KeystoneClient(config, now, ks.fetchFn, 1_000);
  const strategy = new KeystoneStrategy(config, client, now);
  return { ks, client, strategy, now, advance: (ms: number) => (t += ms) };
}

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return error instanceof FreezerError ? error.status : -1;
  }
}

describe('KeystoneStrategy', () => {
  it('builds the context from the token (roles lower-cased, admin => isAdmin) and ignores identity headers', async () => {
    const { ks, strategy, now } = setup();
    ks.valid.set('tok', now() + HOUR);
    const ctx = await strategy.authenticate(request('tok'), 'req-1');
    expect(ctx).toEqual({ userId: 'u1', userName: 'alice', projectId: 'p1', roles: ['member', 'admin'], isAdmin: true, requestId: 'req-1' });
  });

  it('answers 401 with the WWW-Authenticate challenge for no token and an unknown token', async () => {
    const { strategy } = setup();
    for (const token of [undefined, 'nope']) {
      const error = await strategy.authenticate(request(token), 'r').catch((e: unknown) => e as FreezerError);
      expect(error).toBeInstanceOf(FreezerError);
      expect((error as FreezerError).status).toBe(401);
      expect((error as FreezerError).headers).toEqual({ 'WWW-Authenticate': 'Keystone uri="http://keystone.test/v3"' });
    }
  });

  it('asks Keystone once per cache time, and never past the token expiry', async () => {
    const { ks, strategy, now, advance } = setup();
    ks.valid.set('long', now() + HOUR);
    ks.valid.set('short', now() + 10_000);
    await strategy.authenticate(request('long'), 'r');
    await strategy.authenticate(request('long'), 'r');
    expect(ks.calls.filter((c) => c.startsWith('validate'))).toHaveLength(1);
    await strategy.authenticate(request('short'), 'r');
    advance(10_000);
    // expired: Keystone is asked again and its answer (still the past expiry) is refused
    expect(await status(strategy.authenticate(request('short'), 'r'))).toBe(401);
    advance(290_000);
    await strategy.authenticate(request('long'), 'r');
    expect(ks.calls.filter((c) => c.startsWith('validate'))).toHaveLength(4);
  });

  it('answers 503 when Keystone is down for a token not cached, while a cached one passes', async () => {
    const { ks, strategy, now } = setup();
    ks.valid.set('cached', now() + HOUR);
    ks.valid.set('other', now() + HOUR);
    await strategy.authenticate(request('cached'), 'r');
    ks.down();
    expect(await status(strategy.authenticate(request('cached'), 'r'))).toBe(200);
    expect(await status(strategy.authenticate(request('other'), 'r'))).toBe(503);
  });
});

describe('KeystoneClient service token', () => {
  it('is reused, renewed before it expires, and renewed once when Keystone answers 401', async () => {
    const { ks, client, advance } = setup();
    expect(await client.token()).toBe('svc-1');
    advance(HOUR - 130_000);
    expect(await client.token()).toBe('svc-1');
    advance(20_000);
    expect(await client.token()).toBe('svc-2');
    ks.revokeService('svc-2');
    await client.validate('x');
    expect(ks.calls.slice(-3)).toEqual(['validate with svc-2', 'issue', 'validate with svc-3']);
  });
});
