// SPDX-License-Identifier: Apache-2.0
// `npm run import`: an original freezer-api 13 (Debian's, under uwsgi) on MariaDB, its schema made
// by its own `freezer-manage db sync`, filled through its own API on v2 and v1 by several users in
// several projects; then imported, and every document read through this service compared with
// what the original answered for it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import mysql from 'mysql2/promise';
import pg from 'pg';
import request from 'supertest';
import { createTestApp } from '../utils/create-test-app.js';
import { type ImportRun, parseReconciliation, runImport, startImport } from '../utils/import-run.js';
import { type Identity, type OriginalFreezer, startOriginal } from '../utils/original-freezer.js';
import { createScratchDatabase } from '../utils/test-database.js';

const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root' };
const ALICE_P1: Identity = { user: 'alice', project: 'p1' };
const ALICE_P2: Identity = { user: 'alice', project: 'p2' };
const BOB_P1: Identity = { user: 'bob', project: 'p1' };
// v1 stores no project (the original writes NULL whatever the caller's project)
const CAROL: Identity = { user: 'carol', project: 'pc' };

type Kind = 'clients' | 'actions' | 'sessions' | 'jobs' | 'backups';
const ID_KEY: Record<Kind, string> = { clients: 'client_id', actions: 'action_id', sessions: 'session_id', jobs: 'job_id', backups: 'backup_id' };

// A document the original holds, and how to GET it from either service.
interface Made {
  kind: Kind;
  id: string;
  who: Identity;
  api: 'v1' | 'v2';
}

function path(made: Made): string {
  const prefix = made.api === 'v1' ? '/v1' : `/v2/${made.who.project}`;
  return `${prefix}/${made.kind}/${made.id}`;
}

async function created(original: OriginalFreezer, api: 'v1' | 'v2', kind: Kind, who: Identity, body: unknown): Promise<Made> {
  const prefix = api === 'v1' ? '/v1' : `/v2/${who.project}`;
  const res = await original.request('POST', `${prefix}/${kind}`, who, body);
  if (res.status !== 201) throw new Error(`the original refused ${kind} ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`);
  return { kind, id: res.body[ID_KEY[kind]], who, api };
}

async function ok(original: OriginalFreezer, method: string, url: string, who: Identity, body?: unknown): Promise<void> {
  const res = await original.request(method, url, who, body);
  if (res.status >= 300) throw new Error(`${method} ${url} on the original: ${res.status} ${JSON.stringify(res.body)}`);
}

// What this service should answer for a document the original answered `answer` for: the same,
// less the original's invented null keys, with its broken data mended (README, "Migrating from
// freezer-api").
function expectedAfterImport(made: Made, answer: any, listed: any, deletedJobs: Set<string>, deletedSessions: Set<string>): any {
  const doc = structuredClone(answer);
  switch (made.kind) {
    case 'clients':
      for (const key of Object.keys(doc.client)) if (doc.client[key] === null) delete doc.client[key];
      break;
    case 'actions':
      // the original's GET leaves out `mandatory`; its list carries it
      doc.mandatory = listed.mandatory;
      doc.max_retries ??= 5;
      doc.max_retries_interval ??= 6;
      break;
    case 'sessions':
      doc.description ??= '';
      doc.jobs = Object.fromEntries(Object.entries(doc.jobs ?? {}).filter(([jobId]) => !deletedJobs.has(jobId)));
      break;
    case 'backups':
      // the original 13 had no backup states; here a backup recorded without one is available
      doc.status = 'available';
      break;
    case 'jobs':
      if (deletedSessions.has(doc.session_id)) Object.assign(doc, { session_id: '', session_tag: 0 });
      break;
    default:
      break;
  }
  return doc;
}

function expectExit(run: ImportRun, code: number): void {
  if (run.code !== code) throw new Error(`the import exited ${run.code}, not ${code}:\n${run.stdout}\n${run.stderr}`);
}

// null keys of a freezer_action: the original's GET invents them for every column it overlays;
// this service keeps only those the stored action had.
function withoutNullActionKeys(doc: any): any {
  if (doc?.freezer_action) doc.freezer_action = Object.fromEntries(Object.entries(doc.freezer_action).filter(([, value]) => value !== null));
  return doc;
}

describe('npm run import from an original freezer-api on MariaDB', () => {
  const database = `freezer_import_${process.pid}_${Date.now().toString(36)}`;
  const sourceUrl = `mysql+pymysql://root@127.0.0.1/${database}?charset=utf8`;
  let v2: OriginalFreezer;
  let v1: OriginalFreezer;
  let maria: mysql.Connection;
  let target: { url: string; drop(): Promise<void> };
  let app: NestExpressApplication;
  let workDir: string;
  const made: Made[] = [];
  const answers = new Map<string, any>();
  const listed = new Map<string, any>();
  const deletedJobs = new Set<string>();
  const deletedSessions = new Set<string>();
  let aliceBackupsInOrder: string[] = [];
  let clashing: Made[] = [];
  let patchedAction: Made;
  let refusedAction: Made;
  let sharedJob: Made;
  let env: Record<string, string>;

  const key = (m: Made): string => `${m.kind}/${m.id}/${m.who.user}`;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'freezer-import-'));
    maria = await mysql.createConnection(MARIADB);
    await maria.query(`CREATE DATABASE ${database}`);
    target = await createScratchDatabase('freezer_import');
    env = { DATABASE_URL: target.url, LOG_LEVEL: 'warn' };
    v2 = await startOriginal(sourceUrl);
    v1 = await startOriginal(sourceUrl, { apiVersion: 1, keepDb: true });

    // clients: alice in two projects with one client_id (one id here: a clash), bob with the same
    const node1 = await created(v2, 'v2', 'clients', ALICE_P1, { client_id: 'p1_node1', hostname: 'node1', description: 'Nœud ☃ "un"' });
    made.push(node1, await created(v2, 'v2', 'clients', ALICE_P1, { client_id: 'p1_node2', hostname: 'node2' }));
    await new Promise((resolveWait) => setTimeout(resolveWait, 1100)); // the original's clock has whole seconds
    const node1p2 = await created(v2, 'v2', 'clients', ALICE_P2, { client_id: 'p1_node1', hostname: 'node1-p2' });
    clashing = [node1, node1p2];
    made.push(await created(v2, 'v2', 'clients', BOB_P1, { client_id: 'p1_node1', hostname: 'bob-node' }));
    const gone = await created(v2, 'v2', 'clients', ALICE_P1, { client_id: 'gone', hostname: 'gone' });
    await ok(v2, 'DELETE', path(gone), ALICE_P1);

    // actions: one with everything, one whose PATCH emptied columns, one this service's validation
    // refuses (its mode is no word), one deleted
    made.push(
      await created(v2, 'v2', 'actions', ALICE_P1, {
        freezer_action: { action: 'backup', mode: 'fs', backup_name: 'sauvegarde ünï', path_to_backup: '/etc', container: 'c', storage: 'swift', mandatory: true, note: 'emoji 😀 only outside columns' },
        max_retries: 3,
      }),
    );
    patchedAction = await created(v2, 'v2', 'actions', ALICE_P1, { freezer_action: { action: 'backup', mode: 'fs', backup_name: 'before', path_to_backup: '/var' } });
    await ok(v2, 'PATCH', path(patchedAction), ALICE_P1, { freezer_action: { action: 'backup', backup_name: 'after' } });
    made.push(patchedAction);
    refusedAction = await created(v2, 'v2', 'actions', ALICE_P1, { freezer_action: { action: 'backup', mode: 'not a mode!' } });
    const deletedAction = await created(v2, 'v2', 'actions', BOB_P1, { freezer_action: { action: 'restore' } });
    await ok(v2, 'DELETE', path(deletedAction), BOB_P1);

    // jobs (each creates its embedded actions too, left behind when the job goes)
    const job = (description: string, clientId: string) => ({
      client_id: clientId,
      description,
      job_schedule: { schedule_interval: '2 hours' },
      job_actions: [{ freezer_action: { action: 'backup', backup_name: `b-${description}`, container: 'c' }, max_retries: 2 }],
    });
    sharedJob = await created(v2, 'v2', 'jobs', ALICE_P1, job('tâche', 'p1_node1'));
    const deletedJob = await created(v2, 'v2', 'jobs', ALICE_P1, job('deleted', 'p1_node1'));
    const detachedJob = await created(v2, 'v2', 'jobs', ALICE_P1, job('detached', 'p1_node2'));
    const ghostJob = await created(v2, 'v2', 'jobs', ALICE_P1, job('ghost', 'unregistered_client'));
    await ok(v2, 'POST', `${path(sharedJob)}/event`, ALICE_P1, { start: null });
    await ok(v2, 'PATCH', path(ghostJob), ALICE_P1, { description: 'patched ✓' });
    made.push(sharedJob, detachedJob, ghostJob, await created(v2, 'v2', 'jobs', BOB_P1, job('bob', 'p1_node1')));

    // sessions: members (one of them deleted since), a replace without jobs (stored as null),
    // one that never had jobs (NULL), and a deleted one whose job still names it
    const members = await created(v2, 'v2', 'sessions', ALICE_P1, { schedule: { schedule_interval: '1 days' }, description: 'séance' });
    await ok(v2, 'PUT', `${path(members)}/jobs/${sharedJob.id}`, ALICE_P1);
    await ok(v2, 'PUT', `${path(members)}/jobs/${deletedJob.id}`, ALICE_P1);
    await ok(v2, 'DELETE', path(deletedJob), ALICE_P1);
    deletedJobs.add(deletedJob.id);
    const replaced = await created(v2, 'v2', 'sessions', ALICE_P1, { schedule: {} });
    await ok(v2, 'POST', path(replaced), ALICE_P1, { session_tag: 3, schedule: { schedule_interval: '3 hours' }, description: 'remplacée' });
    const removed = await created(v2, 'v2', 'sessions', ALICE_P1, { schedule: {} });
    await ok(v2, 'PUT', `${path(removed)}/jobs/${detachedJob.id}`, ALICE_P1);
    await ok(v2, 'DELETE', path(removed), ALICE_P1);
    deletedSessions.add(removed.id);
    made.push(members, replaced, await created(v2, 'v2', 'sessions', BOB_P1, { schedule: { schedule_interval: '5 minutes' } }));

    // backups, in creation order; text PostgreSQL cannot store; one deleted
    for (const [i, name] of ['nom 😀 ünï', 'second', 'troisième'].entries()) {
      const backup = await created(v2, 'v2', 'backups', ALICE_P1, { container: 'c1', hostname: 'node1', backup_name: name, time_stamp: 1700000000 + i, level: i });
      made.push(backup);
      aliceBackupsInOrder.push(backup.id);
      await new Promise((resolveWait) => setTimeout(resolveWait, 1100)); // the original's clock has whole seconds
    }
    made.push(await created(v2, 'v2', 'backups', ALICE_P2, { container: 'c2', hostname: 'node1-p2', backup_name: 'autre projet' }));
    const bobBackup = await created(v2, 'v2', 'backups', BOB_P1, { container: 'c', hostname: 'h', backup_name: 'bob' });
    await ok(v2, 'DELETE', path(bobBackup), BOB_P1);
    await created(v2, 'v2', 'backups', ALICE_P1, { container: 'c', hostname: 'h', backup_name: 'nul\u0000char' });
    await created(v2, 'v2', 'backups', ALICE_P1, { container: 'c', hostname: 'h', backup_name: 'lone \ud800 surrogate' });

    // v1: carol's documents carry no project
    made.push(await created(v1, 'v1', 'clients', CAROL, { client_id: 'carol_node', hostname: 'cnode' }));
    made.push(await created(v1, 'v1', 'backups', CAROL, { container: 'cv1', hostname: 'cnode', backup_name: 'v1 ☃' }));
    made.push(await created(v1, 'v1', 'actions', CAROL, { freezer_action: { action: 'info' } }));
    made.push(await created(v1, 'v1', 'sessions', CAROL, { schedule: {}, description: 'v1' }));
    made.push(await created(v1, 'v1', 'jobs', CAROL, job('v1', 'carol_node')));

    // broken rows the API cannot make: JSON that does not parse, metadata the service refuses
    await maria.query(
      `INSERT INTO ${database}.backups (created_at, deleted, id, project_id, user_id, user_name, backup_metadata) VALUES
       (UTC_TIMESTAMP(), 0, 'brokenjson', 'p1', 'alice', 'alice', '{"container": "c", "hostname": '),
       (UTC_TIMESTAMP(), 0, 'nocontainer', 'p1', 'alice', 'alice', '{"hostname": "h", "backup_name": "n"}')`,
    );

    // what the original answers: GET of each, and the list items (actions' `mandatory`)
    for (const m of made) {
      const res = await (m.api === 'v1' ? v1 : v2).request('GET', path(m), m.who);
      expect(res.status).toBe(200);
      answers.set(key(m), res.body);
    }
    for (const who of [ALICE_P1, BOB_P1]) {
      const res = await v2.request('GET', `/v2/${who.project}/actions?limit=100`, who);
      for (const item of res.body.actions) listed.set(`${item.action_id}/${who.user}`, item);
    }
    const carolActions = await v1.request('GET', '/v1/actions?limit=100', CAROL);
    for (const item of carolActions.body.actions) listed.set(`${item.action_id}/carol`, item);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await v2?.stop();
    await v1?.stop();
    await maria?.query(`DROP DATABASE IF EXISTS ${database}`);
    await maria?.end();
    await target?.drop();
  });

  async function ourGet(m: Made): Promise<request.Response> {
    return request(app.getHttpServer()).get(path(m)).set({ 'X-User-Id': m.who.user, 'X-Project-Id': m.who.project });
  }

  async function documentCounts(): Promise<Record<string, number>> {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      const counts: Record<string, number> = {};
      for (const table of ['clients', 'actions', 'sessions', 'jobs', 'backups', 'freezer_import_state']) {
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
        counts[table] = rows[0].n;
      }
      return counts;
    } finally {
      await client.end();
    }
  }

  it('--dry-run reports what it would do and writes no document', async () => {
    const run = await runImport(['--from', sourceUrl, '--dry-run', '--refused', join(workDir, 'dry.jsonl')], env);
    expect(run.stdout).toContain('dry run');
    expect(parseReconciliation(run.stdout).total).toMatchObject({ imported: 27, unchanged: 0, updated: 0 });
    expect(Object.values(await documentCounts()).every((n) => n === 0)).toBe(true);
  });

  it('imports every live row, refuses with reasons, and reconciles read = imported + unchanged + updated + deleted + refused', async () => {
    const refusedFile = join(workDir, 'refused.jsonl');
    const run = await runImport(['--from', sourceUrl, '--refused', refusedFile], env);
    process.stdout.write(`reconciliation of the fixture:\n${run.stdout}`);
    expectExit(run, 1); // some rows were refused
    const table = parseReconciliation(run.stdout);
    // clients: 5 on v2 (one deleted, one clash) + 1 on v1; actions: 4 made + 1 on v1 + 6 by jobs (1 deleted);
    // sessions: 4 + 1 on v1 (1 deleted); jobs: 5 + 1 on v1 (1 deleted); backups: 8 by the API + 2 broken
    expect(table).toEqual({
      clients: { read: 6, imported: 4, unchanged: 0, updated: 0, deleted: 1, refused: 1, conflicts: 0 },
      actions: { read: 11, imported: 9, unchanged: 0, updated: 0, deleted: 1, refused: 1, conflicts: 0 },
      sessions: { read: 5, imported: 4, unchanged: 0, updated: 0, deleted: 1, refused: 0, conflicts: 0 },
      jobs: { read: 6, imported: 5, unchanged: 0, updated: 0, deleted: 1, refused: 0, conflicts: 0 },
      backups: { read: 10, imported: 5, unchanged: 0, updated: 0, deleted: 1, refused: 4, conflicts: 0 },
      total: { read: 38, imported: 27, unchanged: 0, updated: 0, deleted: 5, refused: 6, conflicts: 0 },
    });
    const refused = readFileSync(refusedFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const reasons = Object.fromEntries(refused.map((r) => [`${r.kind}/${r.kind === 'clients' ? r.row.client_id + '@' + r.project_id : r.id}`, r.reason]));
    expect(reasons['backups/brokenjson']).toMatch(/^backup_metadata: JSON that does not parse/);
    expect(reasons['backups/nocontainer']).toMatch(/refused by this service's validation: .*container/);
    expect(refused.filter((r) => /NUL character/.test(r.reason))).toHaveLength(1);
    expect(refused.filter((r) => /unpaired UTF-16 surrogates/.test(r.reason))).toHaveLength(1);
    expect(reasons[`actions/${refusedAction.id}`]).toMatch(/'not a mode!' does not match/);
    expect(refused.filter((r) => r.kind === 'clients')[0].reason).toMatch(/^id clash: the owner already holds this id in project p[12]/);
    // the refused row itself is kept, as read
    expect(refused.find((r) => r.id === 'brokenjson').row.backup_metadata).toBe('{"container": "c", "hostname": ');
  }, 60_000);

  it('serves every imported document as the original answered it, less its invented nulls, broken data mended', async () => {
    app = await createTestApp({ DATABASE_URL: target.url });
    const clientTaken = new Set<string>();
    for (const m of made) {
      const answer = answers.get(key(m));
      const ours = await ourGet(m);
      expect({ doc: key(m), status: ours.status }).toEqual({ doc: key(m), status: 200 });
      const expected = expectedAfterImport(m, answer, listed.get(`${m.id}/${m.who.user}`), deletedJobs, deletedSessions);
      if (m.kind === 'actions') expect(withoutNullActionKeys(ours.body)).toEqual(withoutNullActionKeys(expected));
      else expect(ours.body).toEqual(expected);
      if (m.kind === 'clients') clientTaken.add(`${m.who.user}/${m.who.project}/${m.id}`);
    }
    // of alice's two p1_node1 registrations, the one taken is the earlier
    const [first, second] = clashing;
    expect((await ourGet(first!)).status).toBe(200);
    expect((await ourGet(second!)).status).toBe(404);
    // the original's creation order is the list order here
    const list = await request(app.getHttpServer()).get('/v2/p1/backups').set({ 'X-User-Id': 'alice', 'X-Project-Id': 'p1' });
    expect(list.body.backups.map((b: any) => b.backup_id)).toEqual(aliceBackupsInOrder);
    // a session that held a deleted job, and a replaced one stored with jobs null
    const sessions = await request(app.getHttpServer()).get('/v2/p1/sessions?limit=100').set({ 'X-User-Id': 'alice', 'X-Project-Id': 'p1' });
    for (const session of sessions.body.sessions) expect(typeof session.jobs).toBe('object');
    // the imported documents work: a search on a promoted key, and a job event
    const byName = await request(app.getHttpServer()).get('/v2/p1/backups').set({ 'X-User-Id': 'alice', 'X-Project-Id': 'p1' })
      .send({ match: [{ backup_name: 'troisième' }] });
    expect(byName.body.backups).toHaveLength(1);
    const event = await request(app.getHttpServer()).post(`${path(sharedJob)}/event`).set({ 'X-User-Id': 'alice', 'X-Project-Id': 'p1' }).send({ stop: null });
    expect(event.status).toBe(202);
  }, 60_000);

  it('a second run changes nothing', async () => {
    const before = await documentCounts();
    const run = await runImport(['--from', sourceUrl, '--refused', join(workDir, 'again.jsonl'), '--only', 'clients,actions,sessions,backups'], env);
    const table = parseReconciliation(run.stdout);
    expect(table.total).toMatchObject({ imported: 0, updated: 0, unchanged: 22, refused: 6 });
    expect(await documentCounts()).toEqual(before);
  }, 60_000);

  it('updates a document whose source row changed, and reports one changed here as a conflict (--overwrite replaces it)', async () => {
    // the source changes both; this service changed the second since the import
    await ok(v2, 'PATCH', path(patchedAction), ALICE_P1, { freezer_action: { action: 'backup', backup_name: 'changed at the source' }, max_retries: 9 });
    await ok(v2, 'PATCH', path(sharedJob), ALICE_P1, { description: 'changed at the source' });
    const config = join(v2.stateDir, 'freezer-api.conf');
    const run = await runImport(['--config', config, '--refused', join(workDir, 'conflict.jsonl'), '--only', 'actions,jobs'], env);
    const table = parseReconciliation(run.stdout);
    expect(table.actions).toMatchObject({ updated: 1, refused: 1, conflicts: 0 });
    expect(table.jobs).toMatchObject({ updated: 0, refused: 1, conflicts: 1 });
    const action = await ourGet(patchedAction);
    expect(action.body.freezer_action.backup_name).toBe('changed at the source');
    expect(action.headers.etag).toBe('"2"');
    const job = await ourGet(sharedJob);
    expect(job.body.job_schedule.event).toBe('stop'); // this service's event, kept
    const conflict = JSON.parse(readFileSync(join(workDir, 'conflict.jsonl'), 'utf8').trim().split('\n').find((line) => line.includes(sharedJob.id))!);
    expect(conflict.reason).toMatch(/^conflict: the source row changed and the document was changed through this service since the last import/);

    const forced = await runImport(['--config', config, '--overwrite', '--refused', join(workDir, 'forced.jsonl'), '--only', 'jobs'], env);
    expect(parseReconciliation(forced.stdout).jobs).toMatchObject({ updated: 1, refused: 0 });
    const replaced = await ourGet(sharedJob);
    expect(replaced.body).toEqual((await v2.request('GET', path(sharedJob), ALICE_P1)).body);
    expect(replaced.headers.etag).toBe('"3"');
  }, 60_000);

  it('reports a document deleted and created again through this service as a conflict, though its version is 1 again', async () => {
    const action = made.find((m) => m.kind === 'actions' && m.api === 'v2' && m.id !== patchedAction.id)!;
    const here = { 'X-User-Id': 'alice', 'X-Project-Id': 'p1' };
    expect((await request(app.getHttpServer()).delete(path(action)).set(here)).status).toBeLessThan(300);
    const again = await request(app.getHttpServer()).post('/v2/p1/actions').set(here).send({ action_id: action.id, freezer_action: { action: 'info' } });
    expect(again.status).toBe(201);
    expect((await ourGet(action)).headers.etag).toBe('"1"');
    await ok(v2, 'PATCH', path(action), ALICE_P1, { freezer_action: { action: 'backup', mode: 'fs', backup_name: 'changed at the source', path_to_backup: '/etc' } });

    const run = await runImport(['--from', sourceUrl, '--refused', join(workDir, 'recreated.jsonl'), '--only', 'actions'], env);
    expect(parseReconciliation(run.stdout).actions).toMatchObject({ updated: 0, refused: 2, conflicts: 1 });
    const kept = await ourGet(action);
    expect(kept.body.freezer_action).toEqual({ action: 'info' });
    expect(kept.headers.etag).toBe('"1"');
    const conflict = JSON.parse(readFileSync(join(workDir, 'recreated.jsonl'), 'utf8').trim().split('\n').find((line) => line.includes(action.id))!);
    expect(conflict.reason).toMatch(/^conflict: the source row changed and the document was deleted and created again through this service since the last import/);
  }, 60_000);

  it('--verify reads every document back through the service and names what differs', async () => {
    const run = await runImport(['--from', sourceUrl, '--verify', '--only', 'jobs,backups', '--refused', join(workDir, 'verify.jsonl')], env);
    expect(run.stdout).toMatch(/jobs: 5 checked, 5 matching, 0 missing, 0 different/);
    expect(run.stdout).toMatch(/backups: 5 checked, 5 matching, 0 missing, 0 different, 4 refused by the import/);
    // a change through this service shows as a difference
    await request(app.getHttpServer()).patch(path(sharedJob)).set({ 'X-User-Id': 'alice', 'X-Project-Id': 'p1' }).send({ description: 'changed here' });
    const after = await runImport(['--from', sourceUrl, '--dry-run', '--verify', '--only', 'jobs', '--refused', join(workDir, 'verify2.jsonl')], env);
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/jobs: 5 checked, 4 matching, 0 missing, 1 different/);
    expect(after.stdout).toContain(`jobs ${sharedJob.id} (user alice): .description: expected "changed at the source", found "changed here"`);
  }, 60_000);

  it('an import killed half-way leaves whole batches, and the next run completes it', async () => {
    // a second source: the same schema (copied from the one freezer-manage made), 2,000 backups
    const bulk = `${database}_bulk`;
    await maria.query(`CREATE DATABASE ${bulk}`);
    try {
      for (const table of ['migrate_version', 'clients', 'sessions', 'jobs', 'actions', 'action_reports', 'backups']) {
        await maria.query(`CREATE TABLE ${bulk}.${table} LIKE ${database}.${table}`);
      }
      await maria.query(`INSERT INTO ${bulk}.migrate_version SELECT * FROM ${database}.migrate_version`);
      const rows = Array.from({ length: 2000 }, (_, i) => [
        `bulk${String(i).padStart(6, '0')}`, 'p9', 'dave', 'dave',
        JSON.stringify({ container: 'c', hostname: `host-${i % 50}`, backup_name: `name-${i}`, time_stamp: 1700000000 + i, level: i % 3 }),
      ]);
      await maria.query(`INSERT INTO ${bulk}.backups (created_at, deleted, id, project_id, user_id, user_name, backup_metadata) VALUES ?`, [
        rows.map((row) => ['2025-01-01 00:00:00', 0, ...row]),
      ]);
      const from = `mariadb://root@127.0.0.1:3306/${bulk}`;
      const { child, done } = startImport(['--from', from, '--batch-size', '20', '--refused', join(workDir, 'bulk.jsonl')], env);
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      try {
        let imported = 0;
        while (imported < 40) {
          imported = (await client.query(`SELECT count(*)::int AS n FROM backups WHERE owner_id = 'dave'`)).rows[0].n;
          await new Promise((resolveWait) => setTimeout(resolveWait, 5));
        }
        child.kill('SIGKILL');
        await done;
        const { rows: [at] } = await client.query(
          `SELECT (SELECT count(*)::int FROM backups WHERE owner_id = 'dave') AS docs,
                  (SELECT count(*)::int FROM freezer_import_state WHERE owner_id = 'dave') AS recorded`,
        );
        expect(at.docs).toBeLessThan(2000);
        expect(at.docs % 20).toBe(0); // whole batches
        expect(at.recorded).toBe(at.docs);

        const resumed = await runImport(['--from', from, '--batch-size', '20', '--refused', join(workDir, 'bulk2.jsonl')], env);
        expectExit(resumed, 0);
        expect(parseReconciliation(resumed.stdout).backups).toEqual({
          read: 2000, imported: 2000 - at.docs, unchanged: at.docs, updated: 0, deleted: 0, refused: 0, conflicts: 0,
        });
        // the promoted columns the service searches are filled as its own writes fill them
        const { rows: [check] } = await client.query(
          `SELECT count(*)::int AS n FROM backups WHERE owner_id = 'dave'
              AND backup_name = freezer_key_values(doc, 'backup_name') AND hostname = freezer_key_values(doc, 'hostname')
              AND search_text = freezer_doc_text(doc) AND time_stamp = (doc -> 'backup_metadata' ->> 'time_stamp')::numeric`,
        );
        expect(check.n).toBe(2000);
      } finally {
        await client.end();
      }
    } finally {
      await maria.query(`DROP DATABASE IF EXISTS ${bulk}`);
    }
  }, 120_000);
});

describe('npm run import from an original freezer-api on SQLite', () => {
  let original: OriginalFreezer;
  let target: { url: string; drop(): Promise<void> };
  let app: NestExpressApplication;

  beforeAll(async () => {
    original = await startOriginal('sqlite');
    target = await createScratchDatabase('freezer_import_sqlite');
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await original?.stop();
    await target?.drop();
  });

  it('imports the SQLite file of a trial run', async () => {
    const client = await created(original, 'v2', 'clients', ALICE_P1, { client_id: 'sq_node', hostname: 'sq', description: 'Ünïcode ☃' });
    const backup = await created(original, 'v2', 'backups', ALICE_P1, { container: 'c', hostname: 'sq', backup_name: 'sqlite 😀' });
    const session = await created(original, 'v2', 'sessions', ALICE_P1, { schedule: {} });
    const job = await created(original, 'v2', 'jobs', ALICE_P1, {
      client_id: 'sq_node', job_schedule: {}, job_actions: [{ freezer_action: { action: 'backup', backup_name: 'b', container: 'c' } }],
    });
    await ok(original, 'PUT', `${path(session)}/jobs/${job.id}`, ALICE_P1);
    const gone = await created(original, 'v2', 'backups', ALICE_P1, { container: 'c', hostname: 'sq', backup_name: 'gone' });
    await ok(original, 'DELETE', path(gone), ALICE_P1);
    const run = await runImport(['--from', join(original.stateDir, 'freezer.db'), '--refused', join(tmpdir(), `sqlite-${process.pid}.jsonl`)], {
      DATABASE_URL: target.url,
    });
    expectExit(run, 0);
    expect(parseReconciliation(run.stdout).total).toEqual({ read: 6, imported: 5, unchanged: 0, updated: 0, deleted: 1, refused: 0, conflicts: 0 });
    app = await createTestApp({ DATABASE_URL: target.url });
    for (const m of [client, backup, session, job]) {
      const answer = (await original.request('GET', path(m), ALICE_P1)).body;
      const ours = await request(app.getHttpServer()).get(path(m)).set({ 'X-User-Id': 'alice', 'X-Project-Id': 'p1' });
      expect(ours.body).toEqual(expectedAfterImport(m, answer, undefined, new Set(), new Set()));
    }
  }, 60_000);
});
