// SPDX-License-Identifier: Apache-2.0
// Client liveness across two API processes on one database: polls are coalesced in each process
// and written at most once per client per LIVENESS_RESOLUTION_S, off the request path (process A
// waits an hour, so nothing of it is written until it stops; B writes every second); when both
// write one client, the greatest time wins.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { BOOT_TIMEOUT_MS, startApiService } from '../utils/freezer-cli.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import type { ServiceProcess } from '../utils/service-process.js';
import { testDatabaseUrl } from '../utils/test-database.js';
import { until } from '../utils/until.js';

describe('client liveness written by two API processes', () => {
  const identity = newIdentity();
  const base = `/v2/${identity.projectId}`;
  const [polledByBoth, polledByA] = [`${identity.projectId}_both`, `${identity.projectId}_only-a`];
  let a: { service: ServiceProcess; url: string } | undefined;
  let b: { service: ServiceProcess; url: string } | undefined;
  let db: pg.Client;

  beforeAll(async () => {
    [a, b] = await Promise.all([startApiService({ LIVENESS_RESOLUTION_S: '3600', CLIENT_STALE_AFTER_S: '7200' }), startApiService({ LIVENESS_RESOLUTION_S: '1' })]);
    db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  }, BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await a?.service.stop(5_000);
    await b?.service.stop(5_000);
    await db?.end();
  });

  async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${url}${base}${path}`, { method, headers: identityHeaders(identity), body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  // fetch sends no GET body: the ?client_id= shorthand (status.e2e-spec.ts polls with the body)
  const poll = (url: string, clientId: string) => call(url, 'GET', `/jobs?limit=10&offset=0&client_id=${clientId}`);

  async function lastSeen(clientId: string): Promise<Date | undefined> {
    const { rows } = await db.query<{ last_seen: Date }>('SELECT last_seen FROM client_liveness WHERE owner_id = $1 AND client_id = $2', [identity.userId, clientId]);
    expect(rows.length).toBeLessThanOrEqual(1);
    return rows[0]?.last_seen;
  }

  it('coalesces polls in memory and keeps the greatest time any process saw', async () => {
    for (const clientId of [polledByBoth, polledByA]) {
      expect((await call(a!.url, 'POST', '/clients', { client_id: clientId, hostname: clientId.split('_')[1] })).status).toBe(201);
    }
    for (let i = 0; i < 20; i++) expect((await poll(a!.url, polledByBoth)).status).toBe(200);
    await poll(a!.url, polledByA);
    expect(await lastSeen(polledByBoth)).toBeUndefined();

    // B writes within its second
    expect((await poll(b!.url, polledByBoth)).status).toBe(200);
    const first = await until('B to record the client', () => lastSeen(polledByBoth));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await poll(b!.url, polledByBoth);
    await until('B to record the later poll', async () => ((await lastSeen(polledByBoth))! > first ? true : undefined));
    expect(await lastSeen(polledByA)).toBeUndefined();

    // a later time written by another process stays when B writes an earlier one
    await db.query(`UPDATE client_liveness SET last_seen = now() + interval '1 hour' WHERE owner_id = $1 AND client_id = $2`, [identity.userId, polledByBoth]);
    const future = (await lastSeen(polledByBoth))!;
    await poll(b!.url, polledByBoth);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await lastSeen(polledByBoth)).toEqual(future);

    // A writes what it saw when it stops, before closing its database pool
    expect(await a!.service.stop(10_000)).toBe(0);
    a = undefined;
    expect(await lastSeen(polledByA)).toEqual(expect.any(Date));
    expect(await lastSeen(polledByBoth)).toEqual(future);

    const report = await call(b!.url, 'GET', '/status?list=stale_clients');
    expect(report).toEqual({ status: 200, body: expect.objectContaining({ clients: { total: 2, active: 2, stale: 0 }, stale_clients: [] }) });
  }, 60_000);
});
