// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InvalidParameterError } from '../../common/errors/freezer-errors.js';
import type { Paging } from '../../common/http/list-query.js';
import type { JsonObject } from '../../common/json/json.types.js';
import { SqlParams } from '../../common/search/sql-params.js';
import type { StatusConfig } from '../../config/env.validation.js';
import { type StatusScope, scopeConditions } from './status-scope.js';

// The moment and thresholds one computation uses, all in epoch seconds or seconds.
export interface StatusWindow {
  now: number;
  settings: StatusConfig;
}

export interface ClientCounts {
  project: string;
  total: number;
  stale: number;
}

export interface JobCounts {
  project: string;
  status: string;
  result: string;
  total: number;
  overdue: number;
  failing: number;
  unschedulable: number;
}

export interface BackupCounts {
  project: string;
  total: number;
  old: number;
  oldest_age_s: number | null;
}

export type ProblemList = 'stale_clients' | 'overdue_jobs' | 'failing_jobs' | 'unschedulable_jobs' | 'old_backups';

// Each problem list as SQL giving (item_id, sort_key, item): the id a marker names, newest first.
type ListSql = (scope: StatusScope, window: StatusWindow, params: SqlParams) => string;

function clientsSql(scope: StatusScope, window: StatusWindow, params: SqlParams): string {
  return `SELECT coalesce(c.project_id, '') AS project, c.id AS client_id, c.doc #>> '{client,hostname}' AS hostname,
                 date_part('epoch', greatest(l.last_seen, c.created_at)) AS last_seen,
                 greatest(l.last_seen, c.created_at) < to_timestamp(${params.add(window.now - window.settings.clientStaleAfterS)}::float8) AS stale
            FROM clients c LEFT JOIN client_liveness l ON l.owner_id = c.owner_id AND l.client_id = c.id
           WHERE ${scopeConditions(scope, params, 'c')}`;
}

// A job is overdue when the scheduler should have started it more than the grace ago: it is armed
// (not stopped, aborted or removed), not running, and its next run has passed.
function jobsSql(scope: StatusScope, window: StatusWindow, params: SqlParams): string {
  return `SELECT coalesce(s.project_id, '') AS project, s.id, s.project_id, s.client_id, s.status, s.event, s.result,
                 s.next_run, s.time_started, s.time_ended, s.schedule_error,
                 (freezer_job_armed(s.status, s.event) AND s.status <> 'running'
                  AND s.next_run < ${params.add(window.now - window.settings.jobOverdueGraceS)}::float8) AS overdue,
                 s.result IN ('fail', 'aborted') AS failing
            FROM job_status s
           WHERE ${scopeConditions(scope, params, 's')}`;
}

// The threshold of a (hostname, backup_name): twice the shortest interval of the armed jobs that
// write it (their client's hostname, a backup action's backup_name), at least the overdue grace;
// BACKUP_MAX_AGE_S when no job does. Triggers keep that interval in the pair's row as jobs and
// clients change (writer_interval_s).
function backupsSql(scope: StatusScope, window: StatusWindow, params: SqlParams): string {
  const now = `${params.add(window.now)}::float8`;
  const maxAge = params.add(window.settings.backupMaxAgeS);
  const grace = params.add(window.settings.jobOverdueGraceS);
  // greatest() skips nulls: the CASE keeps a pair without a writing job on BACKUP_MAX_AGE_S
  const maxAgeOf = `CASE WHEN b.writer_interval_s IS NULL THEN ${maxAge} ELSE greatest(2 * b.writer_interval_s, ${grace}) END`;
  return `SELECT b.project_key AS project, b.hostname, b.backup_name, b.backup_id, b.time_stamp, b.level,
                 ${now} - b.time_stamp AS age_s,
                 (${maxAgeOf})::float8 AS max_age_s,
                 ${now} - b.time_stamp > ${maxAgeOf} AS old
            FROM backup_newest b
           -- a pair whose writers wait for its first backup has no backup to report
           WHERE ${scopeConditions(scope, params, 'b', 'b.project_key')} AND b.backup_id IS NOT NULL`;
}

// -1 in time_started/time_ended means "never" (§8.1): null here
const jobItem = `jsonb_build_object('job_id', id, 'project_id', project_id, 'client_id', client_id, 'status', status, 'event', event,
  'result', result, 'next_run', CASE WHEN freezer_job_armed(status, event) THEN next_run END,
  'time_started', CASE WHEN time_started >= 0 THEN time_started END, 'time_ended', CASE WHEN time_ended >= 0 THEN time_ended END)`;

export type StatusSection = 'clients' | 'jobs' | 'backups';

// Each source with the counts made from it, per project.
const SECTIONS: Record<StatusSection, { source: ListSql; counts: string }> = {
  clients: { source: clientsSql, counts: `SELECT project, count(*)::int AS total, count(*) FILTER (WHERE stale)::int AS stale FROM src GROUP BY project` },
  jobs: {
    source: jobsSql,
    counts: `SELECT project, status, result, count(*)::int AS total, count(*) FILTER (WHERE overdue)::int AS overdue,
                    count(*) FILTER (WHERE failing)::int AS failing, count(*) FILTER (WHERE schedule_error IS NOT NULL)::int AS unschedulable
               FROM src GROUP BY project, status, result`,
  },
  backups: {
    source: backupsSql,
    counts: `SELECT project, count(*)::int AS total, count(*) FILTER (WHERE old)::int AS old, max(age_s) AS oldest_age_s FROM src GROUP BY project`,
  },
};

// Each problem list: its rows of the source, the id a marker names, the order (newest first).
const LISTS: Record<ProblemList, { section: StatusSection; where: string; id: string; sortKey: string; item: string }> = {
  stale_clients: {
    section: 'clients',
    where: 'stale',
    id: 'client_id',
    sortKey: 'last_seen',
    item: `jsonb_build_object('client_id', client_id, 'project_id', nullif(project, ''), 'hostname', hostname, 'last_seen', last_seen)`,
  },
  overdue_jobs: { section: 'jobs', where: 'overdue', id: 'id', sortKey: 'next_run::float8', item: jobItem },
  failing_jobs: { section: 'jobs', where: 'failing', id: 'id', sortKey: 'coalesce(time_ended, time_started, -1)::float8', item: jobItem },
  unschedulable_jobs: {
    section: 'jobs',
    where: 'schedule_error IS NOT NULL',
    id: 'id',
    sortKey: 'coalesce(time_ended, time_started, -1)::float8',
    item: `${jobItem} || jsonb_build_object('schedule_error', schedule_error)`,
  },
  old_backups: {
    section: 'backups',
    where: 'old',
    id: 'backup_id',
    sortKey: 'time_stamp',
    item: `jsonb_build_object('hostname', hostname, 'backup_name', backup_name, 'project_id', nullif(project, ''), 'backup_id', backup_id,
      'time_stamp', time_stamp, 'level', level, 'age_s', age_s, 'max_age_s', max_age_s)`,
  },
};

export const sectionOf = (list: ProblemList): StatusSection => LISTS[list].section;

export interface SectionResult<TCounts> {
  counts: TCounts[];
  pages: Partial<Record<ProblemList, JsonObject[]>>;
}

@Injectable()
export class StatusRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  // The counts of one section and a page of each of its lists asked for, in one statement that
  // reads the source once. `marker` (with one list) names the item after which to go on.
  async section<TCounts>(section: StatusSection, scope: StatusScope, window: StatusWindow, lists: ProblemList[], paging: Paging): Promise<SectionResult<TCounts>> {
    const params = new SqlParams();
    const source = SECTIONS[section].source(scope, window, params);
    const columns = [`(SELECT coalesce(json_agg(c), '[]') FROM (${SECTIONS[section].counts}) AS c) AS counts`];
    lists.forEach((list, i) => {
      const spec = LISTS[list];
      // the rows of the list in its order; an item is made only for the rows of the page
      const listed = `SELECT ${spec.id} AS item_id, ${spec.sortKey} AS sort_key, * FROM src WHERE ${spec.where}`;
      let after = '';
      if (paging.marker !== null) {
        const marker = params.add(paging.marker);
        after = `WHERE (sort_key, item_id) < (SELECT sort_key, item_id FROM (${listed}) AS m WHERE item_id = ${marker})`;
        columns.push(`EXISTS (SELECT 1 FROM (${listed}) AS m WHERE item_id = ${marker}) AS marker_found`);
      }
      columns.push(`(SELECT coalesce(json_agg(${spec.item} ORDER BY sort_key DESC, item_id DESC), '[]')
                       FROM (SELECT * FROM (${listed}) AS l ${after} ORDER BY sort_key DESC, item_id DESC
                             LIMIT ${params.add(paging.limit)} OFFSET ${params.add(paging.offset)}) AS p) AS list${i}`);
    });
    // src is read once for the counts and once per list: each reading takes only what it needs,
    // which costs less than writing every row of it aside once
    const [row] = await this.db.transaction(async (em) => {
      // The three sections already run at once, on connections of their own: parallel workers
      // for their scans only contend with them for the same cores (a report took half again as long).
      await em.query('SET LOCAL max_parallel_workers_per_gather = 0');
      return em.query<Array<Record<string, unknown>>>(`WITH src AS NOT MATERIALIZED (${source}) SELECT ${columns.join(', ')}`, params.values);
    });
    if (row.marker_found === false) throw new InvalidParameterError('marker', `The value must be the id of an item of ${lists[0]}.`);
    return { counts: row.counts as TCounts[], pages: Object.fromEntries(lists.map((list, i) => [list, row[`list${i}`] as JsonObject[]])) };
  }
}
