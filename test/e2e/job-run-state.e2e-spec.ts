// SPDX-License-Identifier: Apache-2.0
// A write-back that changes a job's run state alone (freezer-scheduler's, when a run starts or
// ends) stores that state beside the document and touches no index of the jobs table: the row is
// rewritten on its page as a heap-only tuple. Every read, search and status must see the job as
// if the whole document had been written.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JobRunState1765100000000 } from '../../migrations/1765100000000-JobRunState.js';
import { type Owner, ownerFor } from '../../src/common/auth/request-context.js';
import { parsePaging } from '../../src/common/http/list-query.js';
import type { JsonObject } from '../../src/common/json/json.types.js';
import { buildListQuery } from '../../src/common/ownership/owned-documents.js';
import { parseSearch } from '../../src/common/search/search-document.js';
import { MIGRATIONS } from '../../src/database/migrations.js';
import { buildTypeOrmOptions } from '../../src/database/typeorm.options.js';
import { JOB_SEARCH } from '../../src/modules/jobs/job-search.js';
import { buildJobDoc } from '../factories/job.factory.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { listeningAppAndClient } from '../utils/promoted-columns.js';
import { createScratchDatabase } from '../utils/test-database.js';

const STATUS_COLUMNS = 'version, status, result, event, time_started, time_ended, armed_at, status_values, event_values';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

describe('job run state: write-backs beside the document', () => {
  const suite = listeningAppAndClient();

  const jobsPath = (identity: Identity) => `/v2/${identity.projectId}/jobs`;

  async function createJob(identity: Identity, body: object): Promise<string> {
    const res = await request(suite.server).post(jobsPath(identity)).set(identityHeaders(identity)).send(body);
    expect(res.status).toBe(201);
    return res.body.job_id as string;
  }

  async function patch(identity: Identity, jobId: string, body: object): Promise<number> {
    const res = await request(suite.server).patch(`${jobsPath(identity)}/${jobId}`).set(identityHeaders(identity)).send(body);
    expect(res.status).toBe(200);
    return res.body.version as number;
  }

  async function getJob(identity: Identity, jobId: string): Promise<JsonObject> {
    const res = await request(suite.server).get(`${jobsPath(identity)}/${jobId}`).set(identityHeaders(identity));
    expect(res.status).toBe(200);
    return res.body as JsonObject;
  }

  async function found(identity: Identity, search: object): Promise<string[]> {
    const res = await request(suite.server).get(jobsPath(identity)).set(identityHeaders(identity)).send(search);
    expect(res.status).toBe(200);
    return (res.body.jobs as Array<{ job_id: string }>).map((job) => job.job_id).sort();
  }

  async function row(identity: Identity, jobId: string): Promise<{ doc: JsonObject; run: JsonObject | null; version: number; heap_only: boolean }> {
    await suite.db.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
    const { rows } = await suite.db.query(
      `SELECT j.doc, j.run, j.version,
              (SELECT (p.t_infomask2 & 32768) <> 0 FROM heap_page_items(get_raw_page('jobs', (j.ctid::text::point)[0]::int)) AS p
                WHERE p.lp = (j.ctid::text::point)[1]::int) AS heap_only
         FROM jobs j WHERE j.owner_id = $1 AND j.id = $2`,
      [identity.userId, jobId],
    );
    return rows[0];
  }

  const scheduled = { schedule_interval: '1 days', status: 'scheduled', event: '', result: 'success', time_started: 100, time_ended: 200 };
  const runStarts = { ...scheduled, status: 'running', result: '', time_started: 1796480000, time_ended: -1, current_pid: 4242 };
  const runEnds = { ...scheduled, result: 'fail', time_started: 1796480000, time_ended: 1796480100, current_pid: 4242 };

  it('a run that starts and ends: the stored document stays, the row is rewritten on its page, and GET answers the whole job', async () => {
    const identity = newIdentity();
    const id = await createJob(identity, buildJobDoc({ job_schedule: scheduled }));
    const before = await row(identity, id);
    expect(before.run).toBeNull();

    expect(await patch(identity, id, { job_schedule: runStarts })).toBe(2);
    const started = await row(identity, id);
    expect(started).toMatchObject({ doc: before.doc, version: 2, heap_only: true });
    expect(started.run).toEqual({ status: 'running', result: '', event: '', time_started: 1796480000, time_ended: -1, current_pid: 4242 });
    // the server set time_created when the job was made
    const timeCreated = (before.doc.job_schedule as JsonObject).time_created;
    expect((await getJob(identity, id)).job_schedule).toEqual({ ...runStarts, time_created: timeCreated });

    expect(await patch(identity, id, { job_schedule: runEnds })).toBe(3);
    expect(await row(identity, id)).toMatchObject({ doc: before.doc, version: 3, heap_only: true, run: { status: 'scheduled', result: 'fail' } });
    const { job_schedule: ended, ...rest } = await getJob(identity, id);
    expect(ended).toEqual({ ...runEnds, time_created: timeCreated });
    const { job_schedule: _stored, ...storedRest } = before.doc;
    expect(rest).toEqual(storedRest);
  });

  it('a run key taken away, or any other change, stores the whole document again', async () => {
    const identity = newIdentity();
    const id = await createJob(identity, buildJobDoc({ job_schedule: scheduled }));
    await patch(identity, id, { job_schedule: runStarts });
    // freezer-scheduler sends the whole document when a job stops: with its actions, it goes the
    // locked way and stores the whole document
    const stopped = await getJob(identity, id);
    await patch(identity, id, { ...stopped, job_schedule: { ...(stopped.job_schedule as JsonObject), status: 'completed' } });
    expect((await row(identity, id)).run).toBeNull();
    expect((await row(identity, id)).doc.job_schedule).toMatchObject({ ...runStarts, status: 'completed' });
    await patch(identity, id, { job_schedule: { status: 'running' } });
    // the document's other keys change: the whole document is written and the run state goes
    await patch(identity, id, { description: 'nightly' });
    const whole = await row(identity, id);
    expect(whole.run).toBeNull();
    expect(whole.doc.job_schedule).toMatchObject(runStarts);
    expect(whole.doc.description).toBe('nightly');

    await patch(identity, id, { job_schedule: { current_pid: 5 } });
    expect((await row(identity, id)).run).toMatchObject({ current_pid: 5 });
    // a writer that knows nothing of the run state (an API process of an earlier version, which
    // hands in the promoted columns itself) writes the whole document: the run state ends
    await suite.db.query('BEGIN');
    try {
      await suite.db.query(`SET LOCAL freezer.promoted_by_writer = on`);
      await suite.db.query(`UPDATE jobs SET doc = jsonb_set(doc, '{job_schedule,current_pid}', '6'), version = version + 1 WHERE owner_id = $1 AND id = $2`, [
        identity.userId,
        id,
      ]);
      expect((await row(identity, id)).run).toBeNull();
      expect((await suite.db.query(`SELECT doc #> '{job_schedule,current_pid}' AS pid FROM job_documents WHERE id = $1`, [id])).rows).toEqual([{ pid: 6 }]);
    } finally {
      await suite.db.query('ROLLBACK');
    }
    // a PUT replaces it all, without current_pid: none comes back from an earlier run state
    const { job_schedule: schedule, ...rest } = await getJob(identity, id);
    const { current_pid: _gone, ...withoutPid } = schedule as JsonObject;
    const put = await request(suite.server).put(`${jobsPath(identity)}/${id}`).set(identityHeaders(identity)).send({ ...rest, job_schedule: withoutPid });
    expect(put.status).toBe(201);
    expect((await row(identity, id)).run).toBeNull();
    expect((await getJob(identity, id)).job_schedule).toEqual(withoutPid);
  });

  it('job_status follows each run write-back as its trigger does for the whole document', async () => {
    const identity = newIdentity();
    const id = await createJob(identity, buildJobDoc({ client_id: 'node-7', job_schedule: scheduled }));
    const armedAt: unknown[] = [];
    for (const schedule of [runStarts, runEnds, { ...runEnds, status: 'completed' }, { ...runEnds, status: 'scheduled', event: 'start' }]) {
      await patch(identity, id, { job_schedule: schedule });
      expect((await row(identity, id)).run).not.toBeNull();
      const select = `SELECT ${STATUS_COLUMNS}, run_pairs, run_text FROM job_status WHERE owner_id = $1 AND id = $2`;
      const stored = (await suite.db.query(select, [identity.userId, id])).rows[0];
      // the run state's pairs and text, as the search functions give them
      const { rows } = await suite.db.query(`SELECT freezer_leaf_pairs(run) AS pairs, freezer_doc_text(run) AS text FROM jobs WHERE owner_id = $1 AND id = $2`, [
        identity.userId,
        id,
      ]);
      expect({ run_pairs: stored.run_pairs, run_text: stored.run_text }).toEqual({ run_pairs: rows[0].pairs, run_text: rows[0].text });
      expect(stored.run_text).toContain(schedule.status);
      armedAt.push(stored.armed_at);
      await suite.db.query('BEGIN');
      try {
        // the whole document written through the triggers, version and all
        await suite.db.query(`UPDATE jobs SET doc = freezer_job_doc(doc, run), version = version WHERE owner_id = $1 AND id = $2`, [identity.userId, id]);
        const recomputed = (await suite.db.query(select, [identity.userId, id])).rows[0];
        expect({ ...stored, run_pairs: null, run_text: null }).toEqual(recomputed);
      } finally {
        await suite.db.query('ROLLBACK');
      }
    }
    // armed since the job was made, through a run and its end; not armed once completed; armed
    // anew by the start event
    expect(armedAt[0]).toBeInstanceOf(Date);
    expect(armedAt[1]).toEqual(armedAt[0]);
    expect(armedAt[2]).toBeNull();
    expect((armedAt[3] as Date).getTime()).toBeGreaterThan((armedAt[0] as Date).getTime());
  });

  it('searches see the run state and not the stored one: promoted keys, other run keys, paths, free text, match_not', async () => {
    const identity = newIdentity();
    const other = await createJob(identity, buildJobDoc({ client_id: 'node-1', job_schedule: { ...scheduled, result: 'aborted' } }));
    const id = await createJob(identity, buildJobDoc({ client_id: 'node-1', job_schedule: scheduled }));
    await patch(identity, id, { job_schedule: { ...runEnds, status: 'running', event: 'stop', current_pid: 918273 } });
    expect((await row(identity, id)).run).not.toBeNull();

    expect(await found(identity, { match: [{ status: 'running' }] })).toEqual([id]);
    expect(await found(identity, { match: [{ status: 'scheduled' }] })).toEqual([other]);
    expect(await found(identity, { match: [{ event: 'stop' }] })).toEqual([id]);
    expect(await found(identity, { match: [{ result: 'fail' }] })).toEqual([id]);
    // the stored document still says success: the job is not found by it
    expect(await found(identity, { match: [{ result: 'success' }] })).toEqual([]);
    expect(await found(identity, { match: [{ current_pid: 918273 }] })).toEqual([id]);
    expect(await found(identity, { match: [{ current_pid: null }] })).toEqual([other]);
    // a term across two leaves of the text (their separator between), a run key's and the next
    // one's: in neither the stored document's text nor the run state's, and still found
    const created = ((await getJob(identity, id)).job_schedule as JsonObject).time_created as number;
    expect(await found(identity, { match: [{ _all: `918273\u001f${created}` }] })).toEqual([id]);
    expect(await found(identity, { match: [{ 'job_schedule.result': 'fail' }] })).toEqual([id]);
    expect(await found(identity, { match: [{ _all: '918273' }] })).toEqual([id]);
    expect(await found(identity, { match: [{ _all: 'SUCCESS' }] })).toEqual([]);
    expect(await found(identity, { match: [{ client_id: 'node-1' }], match_not: [{ status: 'running' }] })).toEqual([other]);
    expect(await found(identity, { match: [{ client_id: 'node-1' }], match_not: [{ result: 'fail' }] })).toEqual([other]);
  });

  describe('on a catalogue the planner cares about', () => {
    const seed = randomUUID().replaceAll('-', '').slice(0, 12);
    const user = `runstate-${seed}`;
    const project = `runstate-p-${seed}`;
    const owner: Owner = ownerFor({ userId: user, userName: null, projectId: project, roles: [], isAdmin: false, requestId: 'req' }, 'user', project)!;

    async function plan(search: object): Promise<PlanNode[]> {
      const { sql, params } = buildListQuery('job_documents', JOB_SEARCH, owner, { search: parseSearch(search as JsonObject), paging: parsePaging({}) });
      const { rows } = await suite.db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      return planNodes(rows[0]['QUERY PLAN'][0].Plan);
    }
    const indexes = (nodes: PlanNode[]) =>
      nodes.filter((node) => ['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'].includes(node['Node Type'])).map((node) => node['Index Name']);
    const seqScans = (nodes: PlanNode[]) => nodes.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name']);

    it('every search reads indexes: promoted status and event on job_status, run keys and free text on both tables, the poll by client', async () => {
      // 4,000 jobs, one in fifty with a run state written back
      await suite.db.query(
        `INSERT INTO jobs (owner_id, id, project_id, user_id, doc)
         SELECT $1::text, 'job-' || n, $2::text, $1::text,
                jsonb_build_object('job_id', 'job-' || n, 'client_id', 'node-' || (n % 500), 'description', 'backup ' || n,
                  'job_schedule', jsonb_build_object('status', 'scheduled', 'event', '', 'result', 'success', 'schedule_interval', '1 days'))
           FROM generate_series(1, 4000) AS n`,
        [user, project],
      );
      await suite.db.query(`UPDATE jobs SET run = jsonb_build_object('status', 'running', 'current_pid', 1000 + (substr(id, 5))::int), status = '["running"]'
                             WHERE owner_id = $1 AND (substr(id, 5))::int % 50 = 0`, [user]);
      await suite.db.query(`UPDATE job_status s SET run_pairs = freezer_leaf_pairs(j.run), run_text = freezer_doc_text(j.run), status_values = j.status FROM jobs j
                             WHERE j.owner_id = $1 AND s.owner_id = j.owner_id AND s.id = j.id AND j.run IS NOT NULL`, [user]);
      await suite.db.query('ANALYZE jobs');
      await suite.db.query('ANALYZE job_status');
      try {
        const cases: Array<[object, string[]]> = [
          [{ match: [{ status: 'running' }] }, ['job_status_promoted']],
          [{ match: [{ event: 'stop' }] }, ['job_status_promoted']],
          [{ match: [{ current_pid: 1050 }] }, ['jobs_leaf_pairs', 'job_status_run_pairs']],
          [{ match: [{ _all: 'backup 1042' }] }, ['jobs_doc_text', 'job_status_run_text']],
          [{ match: [{ description: 'backup 1042' }] }, ['jobs_leaf_pairs']],
          [{ match: [{ client_id: 'node-42' }], match_not: [{ status: 'completed' }] }, ['jobs_client_id']],
        ];
        for (const [search, expected] of cases) {
          const nodes = await plan(search);
          expect({ search, seq: seqScans(nodes) }).toEqual({ search, seq: [] });
          expect({ search, indexes: indexes(nodes) }).toEqual({ search, indexes: expect.arrayContaining(expected) });
        }
      } finally {
        await suite.db.query('DELETE FROM jobs WHERE owner_id = $1', [user]);
      }
    }, 120_000);
  });
});

// The migration on jobs already stored: their promoted values reach job_status, and on the way
// down every run state goes back into its document.
describe('JobRunState on stored jobs', () => {
  const at = MIGRATIONS.findIndex((migration) => migration === JobRunState1765100000000);

  it('copies the promoted values up and folds the run state into the document down', async () => {
    expect(at).toBe(MIGRATIONS.length - 1);
    const scratch = await createScratchDatabase('run_state');
    const options = buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url);
    const older = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, at) });
    const newer = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, at + 1) });
    const db = new pg.Client({ connectionString: scratch.url });
    try {
      await older.initialize();
      await older.runMigrations({ transaction: 'each' });
      for (const [id, status] of [['a', 'running'], ['b', 'scheduled']]) {
        await older.query(
          `INSERT INTO jobs (owner_id, id, project_id, user_id, doc)
           VALUES ('u', $1, 'p', 'u', jsonb_build_object('client_id', 'node', 'job_schedule', jsonb_build_object('status', $2::text, 'event', 'start')))`,
          [id, status],
        );
      }
      await older.destroy();
      await newer.initialize();
      await newer.runMigrations({ transaction: 'each' });
      // interrupted after its first transaction and started again: every statement runs again
      const runner = newer.createQueryRunner();
      try {
        await new JobRunState1765100000000().up(runner);
      } finally {
        await runner.release();
      }
      await db.connect();
      expect((await db.query(`SELECT id, status_values, event_values, run_pairs, run_text FROM job_status ORDER BY id`)).rows).toEqual([
        { id: 'a', status_values: ['running'], event_values: ['start'], run_pairs: null, run_text: null },
        { id: 'b', status_values: ['scheduled'], event_values: ['start'], run_pairs: null, run_text: null },
      ]);
      // a run state holds every run key of the schedule
      await db.query(`UPDATE jobs SET run = '{"status": "completed", "result": "success", "event": "start"}' WHERE id = 'a'`);
      await newer.undoLastMigration({ transaction: 'each' });
      const { rows } = await db.query(`SELECT id, doc -> 'job_schedule' AS schedule, status FROM jobs ORDER BY id`);
      expect(rows).toEqual([
        { id: 'a', schedule: { status: 'completed', result: 'success', event: 'start' }, status: ['completed'] },
        { id: 'b', schedule: { status: 'scheduled', event: 'start' }, status: ['scheduled'] },
      ]);
      const columns = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name IN ('jobs', 'job_status') AND column_name IN ('run', 'status_values', 'run_pairs')`);
      expect(columns.rows).toEqual([]);
    } finally {
      await db.end().catch(() => undefined);
      if (older.isInitialized) await older.destroy();
      if (newer.isInitialized) await newer.destroy();
      await scratch.drop();
    }
  }, 60_000);

  it('keeps the run state when the re-keying script rewrites a job (scripts/rekey-utf8-identities.sql)', async () => {
    const scratch = await createScratchDatabase('run_state_rekey');
    const source = new DataSource({ ...buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url), migrations: MIGRATIONS });
    const db = new pg.Client({ connectionString: scratch.url });
    try {
      await source.initialize();
      await source.runMigrations({ transaction: 'each' });
      await source.destroy();
      await db.connect();
      // "Zoë" as a version reading the headers as latin1 stored it
      const misread = Buffer.from('Zoë', 'utf8').toString('latin1');
      await db.query(
        `INSERT INTO jobs (owner_id, id, project_id, user_id, doc)
         VALUES ($1, 'j', 'p', $1, jsonb_build_object('user_id', $1::text, 'job_schedule', jsonb_build_object('status', 'scheduled', 'result', '')))`,
        [misread],
      );
      await db.query(`UPDATE jobs SET run = '{"status": "running", "result": "", "current_pid": 31}', status = '["running"]' WHERE id = 'j'`);
      await db.query(readFileSync('scripts/rekey-utf8-identities.sql', 'utf8'));
      const { rows } = await db.query(`SELECT owner_id, run, doc -> 'job_schedule' AS schedule, doc ->> 'user_id' AS user_id FROM jobs`);
      expect(rows).toEqual([{ owner_id: 'Zoë', run: null, schedule: { status: 'running', result: '', current_pid: 31 }, user_id: 'Zoë' }]);
      expect((await db.query(`SELECT owner_id, status, status_values FROM job_status`)).rows).toEqual([
        { owner_id: 'Zoë', status: 'running', status_values: ['running'] },
      ]);
    } finally {
      await db.end().catch(() => undefined);
      if (source.isInitialized) await source.destroy();
      await scratch.drop();
    }
  }, 60_000);
});
