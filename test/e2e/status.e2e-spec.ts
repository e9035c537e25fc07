// SPDX-License-Identifier: Apache-2.0
// The protection-status report (GET .../status) and its metrics over the real HTTP stack and
// PostgreSQL. Time is moved on the report's clock (StatusClock.advance) instead of waited for;
// liveness is flushed by hand instead of waiting for LIVENESS_RESOLUTION_S.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { LivenessRecorder } from '../../src/modules/status/liveness.recorder.js';
import { StatusClock } from '../../src/modules/status/status-clock.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';

type Json = Record<string, unknown>;
type Server = ReturnType<NestExpressApplication['getHttpServer']>;

const DAY = 86_400;

function api(server: Server, identity: Identity, base = `/v2/${identity.projectId}`) {
  const headers = identityHeaders(identity);
  return {
    async post(path: string, body: Json): Promise<Json> {
      const res = await request(server).post(`${base}${path}`).set(headers).send(body);
      expect(res.status).toBe(201);
      return res.body as Json;
    },
    async patch(path: string, body: Json): Promise<void> {
      const res = await request(server).patch(`${base}${path}`).set(headers).send(body);
      expect(res.status).toBe(200);
    },
    async poll(clientId: string, how: 'body' | 'query'): Promise<void> {
      const req = request(server).get(`${base}/jobs${how === 'query' ? `?client_id=${clientId}` : '?limit=10&offset=0'}`).set(headers);
      const res = how === 'body' ? await req.send({ match_not: [{ status: 'completed' }], match: [{ client_id: clientId }] }) : await req;
      expect(res.status).toBe(200);
    },
    async status(query = ''): Promise<Json> {
      const res = await request(server).get(`${base}/status${query}`).set(headers);
      expect(res.status).toBe(200);
      return res.body as Json;
    },
  };
}

const clientIdOf = (identity: Identity, host: string): string => `${identity.projectId}_${host}`;
const ids = (items: unknown, key: string): unknown[] => (items as Json[]).map((item) => item[key]);

function job(clientId: string, schedule: Json, backupName = 'etc'): Json {
  return {
    client_id: clientId,
    description: 'nightly',
    job_schedule: schedule,
    job_actions: [{ freezer_action: { action: 'backup', backup_name: backupName, path_to_backup: '/etc', container: 'c1' }, max_retries: 1 }],
  };
}

describe('GET /v2/:project_id/status', () => {
  let app: NestExpressApplication;
  let server: Server;
  let clock: StatusClock;
  let liveness: LivenessRecorder;

  beforeAll(async () => {
    app = await createTestApp();
    server = app.getHttpServer();
    clock = app.get(StatusClock);
    liveness = app.get(LivenessRecorder);
  });
  // every test starts on the database's own clock
  beforeEach(() => clock.reset());
  afterAll(async () => {
    await app.close();
  });

  it('keeps a polling client active and makes one that stopped polling stale', async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const [a, b] = [clientIdOf(identity, 'node-a'), clientIdOf(identity, 'node-b')];
    await client.post('/clients', { client_id: a, hostname: 'node-a' });
    await client.post('/clients', { client_id: b, hostname: 'node-b' });
    await client.poll(a, 'body');
    await client.poll(b, 'query');
    await liveness.flush();
    expect(await client.status()).toMatchObject({ clients: { total: 2, active: 2, stale: 0 }, stale_clients: [] });

    clock.advance(500);
    await client.poll(a, 'body');
    await liveness.flush();
    clock.advance(200);
    const report = await client.status();
    expect(report.clients).toEqual({ total: 2, active: 1, stale: 1 });
    expect(report.stale_clients).toEqual([{ client_id: b, project_id: identity.projectId, hostname: 'node-b', last_seen: expect.any(Number) }]);
    const lastSeen = (report.stale_clients as Json[])[0].last_seen as number;
    // `time` is in whole seconds
    expect((report.time as number) - lastSeen).toBeGreaterThan(699);
  });

  it('records only registered clients of the caller and forgets a deleted client', async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const db = app.get(DataSource);
    const registered = clientIdOf(identity, 'node-r');
    await client.post('/clients', { client_id: registered, hostname: 'node-r' });
    // another owner's client of the same id is not the caller's
    const other = newIdentity();
    await api(server, other).post('/clients', { client_id: clientIdOf(identity, 'node-o'), hostname: 'node-o' });
    for (const id of [registered, clientIdOf(identity, 'made-up'), clientIdOf(identity, 'node-o')]) await client.poll(id, 'query');
    await liveness.flush();
    const rows = async () =>
      (await db.query<Array<{ client_id: string }>>(`SELECT client_id FROM client_liveness WHERE owner_id = $1 ORDER BY client_id`, [identity.userId])).map(
        (row) => row.client_id,
      );
    expect(await rows()).toEqual([registered]);
    const deleted = await request(server).delete(`/v2/${identity.projectId}/clients/${registered}`).set(identityHeaders(identity));
    expect(deleted.status).toBe(204);
    expect(await rows()).toEqual([]);
  });

  it("keeps recording every owner's clients while one owner names countless made-up ids", async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const node = clientIdOf(identity, 'node-f');
    await client.post('/clients', { client_id: node, hostname: 'node-f' });
    await liveness.flush();
    clock.advance(700);
    expect(await client.status()).toMatchObject({ clients: { total: 1, active: 0, stale: 1 } });
    const flooder = newIdentity().userId;
    for (let i = 0; i < 110_000; i++) liveness.note(flooder, `made-up-${i}`);
    await client.poll(node, 'query');
    for (let i = 110_000; i < 115_000; i++) liveness.note(flooder, `made-up-${i}`);
    await liveness.flush();
    expect(await client.status()).toMatchObject({ clients: { total: 1, active: 1, stale: 0 } });
  }, 60_000);

  it('reports overdue, failing and never-runnable jobs with their next and last run', async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const node = clientIdOf(identity, 'node1');
    await client.post('/clients', { client_id: node, hostname: 'node1' });
    const t0 = (await client.status()).time as number;
    const hourly = (await client.post('/jobs', job(node, { schedule_interval: '1 hours', status: 'scheduled' }))).job_id as string;
    const daily = (await client.post('/jobs', job(node, { schedule_interval: '1 days', status: 'scheduled' }))).job_id as string;
    const failing = (await client.post('/jobs', job(node, { schedule_interval: '1 days', status: 'scheduled' }))).job_id as string;
    const funday = (await client.post('/jobs', job(node, { schedule_day_of_week: 'funday', status: 'completed' }))).job_id as string;
    const missed = (await client.post('/jobs', job(node, { schedule_date: '2020-01-01T00:00:00' }))).job_id as string;
    await client.post('/jobs', job(node, { schedule_interval: '1 hours', status: 'stop' }));
    await client.post('/jobs', job(node, { schedule_interval: '1 hours', status: 'running', result: '' }));
    // the scheduler's write-back at the end of a failed run
    await client.patch(`/jobs/${failing}`, { job_schedule: { status: 'scheduled', result: 'fail', time_started: t0 + 5, time_ended: t0 + 65 } });

    clock.advance(2 * 3600 + 200);
    const report = await client.status();
    expect(report.jobs).toEqual({
      total: 7,
      by_status: { scheduled: 3, completed: 1, '': 1, stop: 1, running: 1 },
      by_result: { '': 6, fail: 1 },
      overdue: 1,
      failing: 1,
      unschedulable: 2,
    });
    // due an hour after it was taken, never started; the daily one is not due yet, the stopped one
    // is not to run, the running one runs
    expect(ids(report.overdue_jobs, 'job_id')).toEqual([hourly]);
    const overdue = (report.overdue_jobs as Json[]).find((item) => item.job_id === hourly)!;
    expect(overdue).toMatchObject({ client_id: node, status: 'scheduled', event: '', result: '', time_started: null, time_ended: null });
    expect(overdue.next_run as number).toBeGreaterThanOrEqual(t0 + 3600 - 5);
    expect(overdue.next_run as number).toBeLessThanOrEqual(t0 + 3600 + 60);
    expect(report.failing_jobs).toEqual([
      { job_id: failing, project_id: identity.projectId, client_id: node, status: 'scheduled', event: '', result: 'fail', next_run: t0 + 5 + DAY, time_started: t0 + 5, time_ended: t0 + 65 },
    ]);
    expect(new Set(ids(report.unschedulable_jobs, 'job_id'))).toEqual(new Set([funday, missed]));
    const errors = Object.fromEntries((report.unschedulable_jobs as Json[]).map((item) => [item.job_id, item.schedule_error]));
    expect(errors[funday]).toBe('Invalid weekday name "funday"');
    expect(errors[missed]).toContain('never runs');
    expect(ids(report.overdue_jobs, 'job_id')).not.toContain(daily);
  });

  it('reports a job whose next run falls past year 9999 as never running and computes the others', async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const node = clientIdOf(identity, 'node1');
    await client.post('/clients', { client_id: node, hostname: 'node1' });
    const huge = (await client.post('/jobs', job(node, { schedule_interval: '100000000000000 weeks', status: 'scheduled' }))).job_id as string;
    const late = (await client.post('/jobs', job(node, { schedule_interval: '418000 weeks', status: 'scheduled' }))).job_id as string;
    const hourly = (await client.post('/jobs', job(node, { schedule_interval: '1 hours', status: 'scheduled' }))).job_id as string;
    clock.advance(2 * 3600 + 200);
    const report = await client.status();
    expect(report.jobs).toMatchObject({ total: 3, overdue: 1, unschedulable: 2 });
    expect(ids(report.overdue_jobs, 'job_id')).toEqual([hourly]);
    const errors = Object.fromEntries((report.unschedulable_jobs as Json[]).map((item) => [item.job_id, item.schedule_error]));
    expect(errors).toEqual({ [huge]: expect.stringContaining('never runs'), [late]: expect.stringContaining('never runs') });
  });

  it('gives the newest backup of each host and name, old past BACKUP_MAX_AGE_S or twice its job interval', async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const now = (await client.status()).time as number;
    const backup = (host: string, name: string, age: number, level = 0) =>
      client.post('/backups', { container: 'c1', hostname: host, backup_name: name, time_stamp: now - age, level });
    await backup('node1', 'etc', 300_000, 0);
    const newest = (await backup('node1', 'etc', 100, 1)).backup_id as string;
    const home = (await backup('node1', 'home', 3 * DAY)).backup_id as string;
    // node2's etc is written by an hourly job: old after two hours
    const node2 = clientIdOf(identity, 'node2');
    await client.post('/clients', { client_id: node2, hostname: 'node2' });
    await client.post('/jobs', job(node2, { schedule_interval: '1 hours', status: 'scheduled' }, 'etc'));
    const node2etc = (await backup('node2', 'etc', 10_000)).backup_id as string;
    await backup('node2', 'var', 10_000);

    let report = await client.status();
    expect(report.backups).toEqual({ total: 4, fresh: 2, old: 2, oldest_age_s: expect.any(Number) });
    expect((report.backups as Json).oldest_age_s as number).toBeGreaterThanOrEqual(3 * DAY);
    expect(report.old_backups).toEqual([
      { hostname: 'node2', backup_name: 'etc', project_id: identity.projectId, backup_id: node2etc, time_stamp: now - 10_000, level: 0, age_s: expect.any(Number), max_age_s: 7200 },
      { hostname: 'node1', backup_name: 'home', project_id: identity.projectId, backup_id: home, time_stamp: now - 3 * DAY, level: 0, age_s: expect.any(Number), max_age_s: 2 * DAY },
    ]);

    // deleting the newest makes the one before it the newest: 300,000 s old
    const deleted = await request(server).delete(`/v2/${identity.projectId}/backups/${newest}`).set(identityHeaders(identity));
    expect(deleted.status).toBe(204);
    report = await client.status('?list=old_backups');
    expect(ids(report.old_backups, 'hostname')).toEqual(['node2', 'node1', 'node1']);
    expect((report.old_backups as Json[])[2]).toMatchObject({ backup_name: 'etc', time_stamp: now - 300_000, level: 0 });
  });

  it("follows the writing job's interval as jobs and clients change: registration, hostname, stop, backup name, deletion", async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const db = app.get(DataSource);
    const headers = identityHeaders(identity);
    const base = `/v2/${identity.projectId}`;
    const now = (await client.status()).time as number;
    await client.post('/backups', { container: 'c', hostname: 'node3', backup_name: 'etc', time_stamp: now - 10_000 });
    // the threshold of node3/etc: 7,200 s while an armed hourly job of a client named node3 writes it, two days otherwise
    const maxAge = async () => {
      const report = await client.status('?list=old_backups');
      return (report.backups as Json).old === 1 ? (report.old_backups as Json[])[0].max_age_s : 2 * DAY;
    };
    const node3 = clientIdOf(identity, 'node3');
    const jobId = (await client.post('/jobs', job(node3, { schedule_interval: '1 hours', status: 'scheduled' }))).job_id as string;
    expect(await maxAge()).toBe(2 * DAY); // its client is not registered yet
    await client.post('/clients', { client_id: node3, hostname: 'node3' });
    expect(await maxAge()).toBe(7200);
    // a hand-made change of the client's hostname (as an import's update makes) moves its jobs with it
    await db.query(`UPDATE clients SET doc = jsonb_set(doc, '{client,hostname}', '"node3b"') WHERE owner_id = $1 AND id = $2`, [identity.userId, node3]);
    expect(await maxAge()).toBe(2 * DAY);
    await db.query(`UPDATE clients SET doc = jsonb_set(doc, '{client,hostname}', '"node3"') WHERE owner_id = $1 AND id = $2`, [identity.userId, node3]);
    expect(await maxAge()).toBe(7200);
    // a second, daily writer leaves the shortest interval in force
    const daily = (await client.post('/jobs', job(node3, { schedule_interval: '1 days', status: 'scheduled' }))).job_id as string;
    expect(await maxAge()).toBe(7200);
    await client.patch(`/jobs/${jobId}`, { job_schedule: { status: 'stop' } });
    expect(await maxAge()).toBe(2 * DAY);
    await client.patch(`/jobs/${jobId}`, { job_schedule: { status: 'scheduled' } });
    expect(await maxAge()).toBe(7200);
    // the scheduler's write-backs keep it
    await client.patch(`/jobs/${jobId}`, { job_schedule: { status: 'running', result: '', time_started: now } });
    await client.patch(`/jobs/${jobId}`, { job_schedule: { status: 'scheduled', result: 'success', time_ended: now } });
    expect(await maxAge()).toBe(7200);
    const renamed = job(node3, { schedule_interval: '1 hours', status: 'scheduled' }, 'home');
    await client.patch(`/jobs/${jobId}`, { job_actions: renamed.job_actions as Json[] });
    expect(await maxAge()).toBe(2 * DAY);
    await client.patch(`/jobs/${jobId}`, { job_actions: (job(node3, {}) as Json).job_actions as Json[] });
    expect(await maxAge()).toBe(7200);
    expect((await request(server).delete(`${base}/jobs/${daily}`).set(headers)).status).toBe(204);
    expect(await maxAge()).toBe(7200);
    expect((await request(server).delete(`${base}/clients/${node3}`).set(headers)).status).toBe(204);
    expect(await maxAge()).toBe(2 * DAY);
    await client.post('/clients', { client_id: node3, hostname: 'node3' });
    expect(await maxAge()).toBe(7200);
    // a newest backup deleted: the one before it becomes the newest, with the same writers
    const newer = (await client.post('/backups', { container: 'c', hostname: 'node3', backup_name: 'etc', time_stamp: now - 9_000 })).backup_id as string;
    expect((await request(server).delete(`${base}/backups/${newer}`).set(headers)).status).toBe(204);
    expect(await maxAge()).toBe(7200);
    expect((await request(server).delete(`${base}/jobs/${jobId}`).set(headers)).status).toBe(204);
    expect(await maxAge()).toBe(2 * DAY);
    const [{ rows }] = await db.query<Array<{ rows: number }>>(`SELECT count(*)::int AS rows FROM backup_writers WHERE owner_id = $1`, [identity.userId]);
    expect(rows).toBe(0);
  });

  it('counts no pair without a backup: one whose writing job waits for its first backup, one whose only backup was deleted', async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const now = (await client.status()).time as number;
    const node = clientIdOf(identity, 'node5');
    await client.post('/clients', { client_id: node, hostname: 'node5' });
    await client.post('/jobs', job(node, { schedule_interval: '1 hours', status: 'scheduled' }));
    expect((await client.status()).backups).toEqual({ total: 0, fresh: 0, old: 0, oldest_age_s: null });
    // the first backup comes with its writer's threshold
    const only = (await client.post('/backups', { container: 'c', hostname: 'node5', backup_name: 'etc', time_stamp: now - 10_000 })).backup_id as string;
    const report = await client.status();
    expect(report.backups).toMatchObject({ total: 1, old: 1 });
    expect(report.old_backups).toEqual([expect.objectContaining({ backup_id: only, max_age_s: 7200 })]);
    expect((await request(server).delete(`/v2/${identity.projectId}/backups/${only}`).set(identityHeaders(identity))).status).toBe(204);
    expect((await client.status()).backups).toEqual({ total: 0, fresh: 0, old: 0, oldest_age_s: null });
  });

  it.each(['the writer first', 'the backup first'])("never loses a pair's writer when its first backup and its first writer come at once: %s", async (first) => {
    const identity = newIdentity();
    const db = app.get(DataSource);
    const [writer, backup] = [db.createQueryRunner(), db.createQueryRunner()];
    const owner = identity.userId;
    const project = identity.projectId;
    const writeWriter = () =>
      writer.query(`INSERT INTO backup_writers VALUES ($1, 'job-1', 'etc', $2, 'client-1', 'race-host', 3600)`, [owner, project]);
    const writeBackup = () =>
      backup.query(
        `INSERT INTO backups (owner_id, id, project_id, user_id, doc)
         VALUES ($1, 'b1', $2, $1, jsonb_build_object('backup_id', 'b1', 'user_id', $1::text, 'project_id', $2::text,
           'backup_metadata', jsonb_build_object('hostname', 'race-host', 'backup_name', 'etc', 'time_stamp', 1000, 'container', 'c')))`,
        [owner, project],
      );
    try {
      await writer.startTransaction();
      await backup.startTransaction();
      const [holder, waiter, holds, waits] = first === 'the writer first' ? [writer, backup, writeWriter, writeBackup] : [backup, writer, writeBackup, writeWriter];
      await holds();
      // the other waits for the first to commit instead of missing what it writes
      const waiting = waits();
      const settled = await Promise.race([waiting.then(() => 'went on'), new Promise((resolve) => setTimeout(() => resolve('waits'), 300))]);
      expect(settled).toBe('waits');
      await holder.commitTransaction();
      await waiting;
      await waiter.commitTransaction();
    } finally {
      await writer.release();
      await backup.release();
    }
    const rows = await db.query(`SELECT writer_interval_s FROM backup_newest WHERE owner_id = $1 AND hostname = 'race-host'`, [owner]);
    expect(rows).toEqual([{ writer_interval_s: '3600' }]);
  });

  it('takes only an available backup as the newest: one being created counts once it is available', async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const now = (await client.status()).time as number;
    const old = (await client.post('/backups', { container: 'c', hostname: 'node9', backup_name: 'etc', time_stamp: now - 3 * DAY })).backup_id as string;
    const creating = (await client.post('/backups', { container: 'c', hostname: 'node9', backup_name: 'etc', time_stamp: now - 60, status: 'creating' })).backup_id as string;
    expect(ids((await client.status()).old_backups, 'backup_id')).toEqual([old]);
    const patched = await request(server).patch(`/v2/${identity.projectId}/backups/${creating}`).set(identityHeaders(identity)).send({ status: 'available' });
    expect(patched.status).toBe(200);
    const report = await client.status();
    expect(report.backups).toMatchObject({ total: 1, fresh: 1, old: 0 });
    // and an error afterwards puts the older one back
    await request(server).patch(`/v2/${identity.projectId}/backups/${creating}`).set(identityHeaders(identity)).send({ status: 'error' });
    expect(ids((await client.status()).old_backups, 'backup_id')).toEqual([old]);
  });

  it("never counts another user's or another project's documents; v1 covers every project of the caller", async () => {
    const identity = newIdentity();
    const neighbour = newIdentity({ projectId: identity.projectId });
    const elsewhere = { ...identity, projectId: newIdentity().projectId };
    for (const who of [identity, neighbour, elsewhere]) {
      const client = api(server, who);
      const clientId = clientIdOf(who, 'host');
      await client.post('/clients', { client_id: clientId, hostname: 'host' });
      await client.post('/jobs', job(clientId, { schedule_interval: '1 days' }));
      await client.post('/backups', { container: 'c', hostname: 'host', backup_name: 'etc', time_stamp: 1 });
    }
    const counts = (report: Json) => [(report.clients as Json).total, (report.jobs as Json).total, (report.backups as Json).total];
    expect(counts(await api(server, identity).status())).toEqual([1, 1, 1]);
    const v1 = await api(server, identity, '/v1').status();
    expect(v1.project_id).toBeNull();
    expect(counts(v1)).toEqual([2, 2, 2]);
  });

  it('pages one list with limit and marker, newest first', async () => {
    const identity = newIdentity();
    const client = api(server, identity);
    const now = (await client.status()).time as number;
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await client.post('/backups', { container: 'c', hostname: `h${i}`, backup_name: 'etc', time_stamp: now - 10 * DAY - i })).backup_id as string);
    }
    const first = await client.status('?list=old_backups&limit=2');
    expect(Object.keys(first)).not.toContain('stale_clients');
    expect(ids(first.old_backups, 'backup_id')).toEqual(made.slice(0, 2));
    const second = await client.status(`?list=old_backups&limit=2&marker=${made[1]}`);
    expect(ids(second.old_backups, 'backup_id')).toEqual(made.slice(2, 4));
    const all = await client.status('?limit=10');
    expect(ids(all.old_backups, 'backup_id')).toEqual(made);
    expect(all.stale_clients).toEqual([]);
  });

  it('refuses a bad list, a marker without a list, a foreign marker and a bad limit with 400', async () => {
    const identity = newIdentity();
    const get = (query: string) => request(server).get(`/v2/${identity.projectId}/status${query}`).set(identityHeaders(identity));
    for (const query of ['?list=nope', '?marker=abc', '?list=old_backups&marker=abc', '?limit=-1', '?limit=x']) {
      const res = await get(query);
      expect({ query, status: res.status, title: res.body.title }).toEqual({ query, status: 400, title: 'Invalid parameter' });
    }
  });

  it("refuses another project than the caller's", async () => {
    const identity = newIdentity();
    const foreign = await request(server).get(`/v2/${newIdentity().projectId}/status`).set(identityHeaders(identity));
    expect({ status: foreign.status, body: foreign.body }).toEqual({ status: 403, body: expectedErrors.forbidden() });
  });
});

describe('status:get policy and the status metrics', () => {
  const METRICS_TOKEN = 'scrape-token-for-the-status-tests';
  let dir: string;
  let app: NestExpressApplication;
  let server: Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'freezer-status-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, '"status:get": "role:admin"\n');
    app = await createTestApp({ POLICY_FILE: file, STATUS_METRICS_INTERVAL_S: '1', METRICS_PER_PROJECT: 'true', METRICS_TOKEN });
    server = app.getHttpServer();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 403 to a caller the rule refuses and 200 to one it allows', async () => {
    const member = newIdentity();
    const denied = await request(server).get(`/v2/${member.projectId}/status`).set(identityHeaders(member));
    expect({ status: denied.status, body: denied.body }).toEqual({ status: 403, body: expectedErrors.forbidden() });
    const admin = { ...member, roles: ['admin'] };
    expect((await request(server).get(`/v2/${admin.projectId}/status`).set(identityHeaders(admin))).status).toBe(200);
  });

  it('computes the gauges at most every STATUS_METRICS_INTERVAL_S, labelled by project', async () => {
    const identity = newIdentity();
    const clients = (text: string): string | undefined =>
      text.split('\n').find((line) => line.startsWith(`freezer_clients{project_id="${identity.projectId}",state="active"}`))?.split(' ')[1];
    const scrape = async () => (await request(server).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)).text;
    await api(server, identity).post('/clients', { client_id: clientIdOf(identity, 'one'), hostname: 'one' });
    // one job whose next run no calendar holds must not stop the figures of everyone
    await api(server, newIdentity()).post('/jobs', job('x_node', { schedule_interval: '100000000000000 weeks' }));
    expect(clients(await scrape())).toBe('1');
    await api(server, identity).post('/clients', { client_id: clientIdOf(identity, 'two'), hostname: 'two' });
    expect(clients(await scrape())).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const text = await scrape();
    expect(clients(text)).toBe('2');
    for (const gauge of ['freezer_jobs', 'freezer_jobs_overdue', 'freezer_jobs_failing', 'freezer_backups', 'freezer_backup_oldest_age_seconds']) {
      expect(text).toMatch(new RegExp(`^# TYPE ${gauge} gauge$`, 'm'));
    }
  });

  it('answers the project-labelled metrics only to a scraper bearing METRICS_TOKEN', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-of-some-length', `Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`]) {
      const req = request(server).get('/metrics');
      const res = authorization === undefined ? await req : await req.set('Authorization', authorization);
      expect({ authorization, status: res.status, body: res.body, text: res.text }).toEqual({
        authorization,
        status: 401,
        body: { title: 'Unauthorized', description: 'The metrics are read with the bearer token set in METRICS_TOKEN.' },
        text: expect.not.stringContaining('freezer_'),
      });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="freezer-metrics"');
    }
    const allowed = await request(server).get('/metrics').set('Authorization', `bearer ${METRICS_TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(allowed.text).toMatch(/^# TYPE freezer_clients gauge$/m);
  });
});
