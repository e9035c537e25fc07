// SPDX-License-Identifier: Apache-2.0
// A catalogue loaded into a database that was never analyzed (restored, imported, or autovacuum
// off, as on this machine): the service analyzes the tables itself, and the backup search by name
// and the scheduler's poll then read their indexes instead of walking all of the owner's rows.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ownerFor } from '../../src/common/auth/request-context.js';
import { parsePaging } from '../../src/common/http/list-query.js';
import type { JsonObject } from '../../src/common/json/json.types.js';
import { buildListQuery } from '../../src/common/ownership/owned-documents.js';
import { parseSearch } from '../../src/common/search/search-document.js';
import type { SearchSpec } from '../../src/common/search/search-sql.js';
import { buildTypeOrmOptions } from '../../src/database/typeorm.options.js';
import { BACKUP_SEARCH } from '../../src/modules/backups/backups.repository.js';
import { JOB_SEARCH } from '../../src/modules/jobs/job-search.js';
import { freePort, type ServiceProcess, startService, stopAllServices } from '../utils/service-process.js';
import { createScratchDatabase } from '../utils/test-database.js';

const SEED_TIMEOUT_MS = 120_000;
const WAIT_MS = 30_000;
const USER = 'stats-user';
const PROJECT = 'stats-project';
const BACKUPS = 8_000;
const NAMES = 2_000; // 4 backups per name
const JOBS = 3_000;
const CLIENTS = 300; // 10 jobs per client; every 7th job is completed

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

// The row counts the keeper logged for each analysis of a table, in order.
function rowsWrittenWhenAnalyzed(messages: string, table: string): number[] {
  const pattern = new RegExp(`Analyzed ${table} \\((\\d+) rows written since its last analysis\\)`, 'g');
  return [...messages.matchAll(pattern)].map((match) => Number(match[1]));
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

describe('planner statistics of a never-analyzed catalogue', () => {
  let scratch: { url: string; drop(): Promise<void> };
  let db: pg.Client;
  let service: ServiceProcess;
  let url: string;
  const owner = ownerFor({ userId: USER, userName: null, projectId: PROJECT, roles: [], isAdmin: false, requestId: 'req-stats' }, 'user', PROJECT)!;

  async function seedBackups(ownerId: string, from: number, to: number): Promise<void> {
    await db.query(
      `INSERT INTO backups (owner_id, id, project_id, user_id, created_at, doc)
       SELECT $1::text, md5($1 || n), $2::text, $1::text, timestamptz '2024-01-01' + n * interval '1 second',
         jsonb_build_object('backup_id', md5($1 || n), 'user_id', $1::text, 'user_name', null, 'project_id', $2::text,
           'backup_metadata', jsonb_build_object('backup_name', 'job-' || lpad((n % ${NAMES})::text, 5, '0'),
             'hostname', 'node-' || (n % 500) || '.example.com', 'container', 'freezer_backups', 'mode', 'fs',
             'time_stamp', 1700000000 + n, 'level', n % 5))
       FROM generate_series($3::int, $4::int) AS n`,
      [ownerId, PROJECT, from, to],
    );
  }

  async function seedJobs(ownerId: string, from: number, to: number): Promise<void> {
    await db.query(
      `INSERT INTO jobs (owner_id, id, project_id, user_id, created_at, doc)
       SELECT $1::text, md5('job' || $1 || n), $2::text, $1::text, timestamptz '2024-01-01' + n * interval '1 second',
         jsonb_build_object('job_id', md5('job' || $1 || n), 'user_id', $1::text, 'project_id', $2::text,
           'client_id', $2 || '_node-' || (n % ${CLIENTS}), 'description', 'job ' || n,
           'job_schedule', jsonb_build_object('status', CASE WHEN n % 7 = 0 THEN 'completed' ELSE 'scheduled' END),
           'job_actions', jsonb_build_array(jsonb_build_object('freezer_action', jsonb_build_object('action', 'backup'))))
       FROM generate_series($3::int, $4::int) AS n`,
      [ownerId, PROJECT, from, to],
    );
  }

  async function analyzedAt(table: string): Promise<Date | null> {
    const { rows } = await db.query<{ at: Date | null }>(
      `SELECT greatest(last_analyze, last_autoanalyze) AS at FROM pg_stat_user_tables WHERE relname = $1`,
      [table],
    );
    return rows[0]?.at ?? null;
  }

  // The service's word that it analyzed the table (the count of lines says how many times).
  async function waitForAnalysis(table: string, times: number): Promise<void> {
    await waitForMessage(new RegExp(`Analyzed ${table} \\(`, 'g'), times);
  }

  async function waitForMessage(message: RegExp, times: number): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    const said = (): number => service.messages().match(message)?.length ?? 0;
    while (said() < times) {
      if (Date.now() > deadline) throw new Error(`${message} not said ${times} times within ${WAIT_MS} ms; service said:\n${service.messages()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function plan(table: string, spec: SearchSpec, search: JsonObject, query: Record<string, string>): Promise<PlanNode[]> {
    const { sql, params } = buildListQuery(table, spec, owner, { search: parseSearch(search), paging: parsePaging(query) });
    const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    return planNodes(rows[0]['QUERY PLAN'][0].Plan);
  }

  function indexesRead(nodes: PlanNode[]): string[] {
    return nodes.filter((node) => /Index/.test(node['Node Type'])).map((node) => node['Index Name'] ?? '');
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase('stats');
    // the schema as the migrations make it, without the service (which would analyze the empty tables)
    const migrator = await new DataSource(buildTypeOrmOptions({ poolSize: 1, statementTimeoutMs: 0 }, scratch.url)).initialize();
    await migrator.runMigrations({ transaction: 'each' });
    await migrator.destroy();
    db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    await seedBackups(USER, 1, BACKUPS);
    await seedBackups('stats-other', 1, 1_000);
    await seedJobs(USER, 1, JOBS);
  }, SEED_TIMEOUT_MS);

  afterAll(async () => {
    await stopAllServices();
    await db?.end();
    await scratch?.drop();
  });

  it('starts on tables that were never analyzed', async () => {
    const { rows } = await db.query<{ relname: string; reltuples: number }>(
      `SELECT c.relname, c.reltuples FROM pg_class c WHERE c.relname IN ('backups', 'jobs') ORDER BY c.relname`,
    );
    expect(rows).toEqual([
      { relname: 'backups', reltuples: -1 },
      { relname: 'jobs', reltuples: -1 },
    ]);
    await expect(analyzedAt('backups')).resolves.toBeNull();
    await expect(analyzedAt('jobs')).resolves.toBeNull();
  });

  it('analyzes them itself once it has started, and searches by backup name and client through their indexes', async () => {
    service = startService({ DATABASE_URL: scratch.url, PORT: String(await freePort()), DB_ANALYZE_INTERVAL_S: '1' });
    url = await service.listening(WAIT_MS);
    await waitForAnalysis('backups', 1);
    await waitForAnalysis('jobs', 1);
    // and what the protection-status report reads, written by the jobs' and backups' triggers
    await waitForAnalysis('job_status', 1);
    await waitForAnalysis('backup_newest', 1);
    expect(await analyzedAt('backups')).toBeInstanceOf(Date);
    // PostgreSQL publishes a session's write counts up to seconds after its commits, so the keeper
    // may act on part of the seed: at least its threshold (1000 rows on a never-analyzed table).
    const backupsCounts = rowsWrittenWhenAnalyzed(service.messages(), 'backups');
    expect(backupsCounts).toHaveLength(1);
    expect(backupsCounts[0]).toBeGreaterThanOrEqual(1_000);
    expect(backupsCounts[0]).toBeLessThanOrEqual(9_000);

    const byName = await plan('backups', BACKUP_SEARCH, { match: [{ backup_name: 'job-00042' }] }, {});
    expect(byName.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(indexesRead(byName)).toEqual(['backups_promoted']);
    const backups = await request(url).get(`/v2/${PROJECT}/backups`).set('X-Auth-Token', `${USER}:${PROJECT}`).send({ match: [{ backup_name: 'job-00042' }] });
    expect(backups.status).toBe(200);
    expect(backups.body.backups).toHaveLength(BACKUPS / NAMES);

    // freezer-scheduler's poll
    const poll = { match_not: [{ status: 'completed' }], match: [{ client_id: `${PROJECT}_node-42` }] };
    const pollPlan = await plan('job_documents', JOB_SEARCH, poll, { limit: '10', offset: '0' });
    expect(pollPlan.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(indexesRead(pollPlan)).toEqual(['jobs_client_id']);
    const jobs = await request(url).get(`/v2/${PROJECT}/jobs?limit=10&offset=0`).set('X-Auth-Token', `${USER}:${PROJECT}`).send(poll);
    expect(jobs.status).toBe(200);
    expect(jobs.body.jobs.map((job: { client_id: string }) => job.client_id)).toEqual(Array(8).fill(`${PROJECT}_node-42`));
  });

  it('analyzes a table again once it has grown a lot, and not before', async () => {
    const before = await analyzedAt('jobs');
    // fewer than 1000 + 20% of the table: not yet
    await seedJobs('stats-growth', 1, 500);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await expect(analyzedAt('jobs')).resolves.toEqual(before);
    await seedJobs('stats-growth', 501, 2_000);
    await waitForAnalysis('jobs', 2);
    expect((await analyzedAt('jobs'))!.getTime()).toBeGreaterThan(before!.getTime());
    // the second analysis of jobs: past its threshold (1000 + a fifth of 3000 rows), at most all 2000
    const jobsCounts = rowsWrittenWhenAnalyzed(service.messages(), 'jobs');
    expect(jobsCounts).toHaveLength(2);
    expect(jobsCounts[1]).toBeGreaterThanOrEqual(1_600);
    expect(jobsCounts[1]).toBeLessThanOrEqual(2_000);
  });

  it('analyzes each table on its own: one whose lock is held elsewhere is skipped, the others are analyzed meanwhile', async () => {
    // a migration or a manual VACUUM holds the jobs table
    const holder = new pg.Client({ connectionString: scratch.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE jobs IN SHARE UPDATE EXCLUSIVE MODE');
      await seedBackups('stats-locked', 1, 3_000);
      await seedJobs('stats-locked', 1, 2_500);
      // backups comes before jobs, and is analyzed and let go of without waiting for it
      await waitForAnalysis('backups', 2);
      await waitForMessage(/Could not analyze jobs \(the next check tries again\): canceling statement due to lock timeout/g, 1);
      const { rows } = await db.query(
        `SELECT l.pid FROM pg_locks l WHERE l.relation = 'backups'::regclass AND l.mode = 'ShareUpdateExclusiveLock' AND l.granted`,
      );
      expect(rows).toEqual([]);
      const jobs = await request(url).get(`/v2/${PROJECT}/jobs?limit=1`).set('X-Auth-Token', `${USER}:${PROJECT}`);
      expect(jobs.status).toBe(200);
      await holder.query('COMMIT');
      await waitForAnalysis('jobs', 3);
    } finally {
      await holder.end();
    }
  });
});
