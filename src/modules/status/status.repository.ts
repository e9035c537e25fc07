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
                 extract(epoch FROM greatest(l.last_seen, c.created_at))::float8 AS last_seen,
                 extract(epoch FROM greatest(l.last_seen, c.created_at))::float8 < ${params.add(window.now - window.settings.clientStaleAfterS)}::float8 AS stale
            FROM clients c LEFT JOIN client_liveness l ON l.owner_id = c.owner_id AND l.client_id = c.id
           WHERE ${scopeConditions(scope, params, 'c')}`;
}

// A job is overdue when the scheduler should have started it more than the grace ago: it is armed
// (not stopped, aborted or removed), not running, and its next run has passed.
function jobsSql(scope: StatusScope, window: StatusWindow, params: SqlParams): string {
  return `SELECT coalesce(s.project_id, '') AS project, s.*,
                 (freezer_job_armed(s.status, s.event) AND s.status <> 'running'
                  AND s.next_run < ${params.add(window.now - window.settings.jobOverdueGraceS)}::float8) AS overdue,
                 s.result IN ('fail', 'aborted') AS failing
            FROM job_status s
           WHERE ${scopeConditions(scope, params, 's')}`;
}

// The threshold of a (hostname, backup_name): twice the shortest interval of the armed jobs that
// write it (their client's hostname, a backup action's backup_name), at least the overdue grace;
// BACKUP_MAX_AGE_S when no job does.
function backupsSql(scope: StatusScope, window: StatusWindow, params: SqlParams): string {
  const now = `${params.add(window.now)}::numeric`;
  const maxAge = params.add(window.settings.backupMaxAgeS);
  const grace = params.add(window.settings.jobOverdueGraceS);
  // greatest() skips nulls: the CASE keeps a pair without a writing job on BACKUP_MAX_AGE_S
  const maxAgeOf = `CASE WHEN w.interval_s IS NULL THEN ${maxAge} ELSE greatest(2 * w.interval_s, ${grace}) END`;
  return `WITH writers AS (
            SELECT coalesce(s.project_id, '') AS project_key, c.doc #>> '{client,hostname}' AS hostname, n.backup_name,
                   min(s.interval_s) AS interval_s
              FROM job_status s
              JOIN clients c ON c.owner_id = s.owner_id AND c.id = s.client_id
              CROSS JOIN LATERAL unnest(s.backup_names) AS n(backup_name)
             WHERE ${scopeConditions(scope, params, 's')} AND s.interval_s IS NOT NULL AND freezer_job_armed(s.status, s.event)
             GROUP BY 1, 2, 3)
          SELECT b.project_key AS project, b.hostname, b.backup_name, b.backup_id, b.time_stamp::float8 AS time_stamp, b.level,
                 (${now} - b.time_stamp)::float8 AS age_s,
                 (${maxAgeOf})::float8 AS max_age_s,
                 ${now} - b.time_stamp > ${maxAgeOf} AS old
            FROM backup_newest b
            LEFT JOIN writers w ON w.project_key = b.project_key AND w.hostname = b.hostname AND w.backup_name = b.backup_name
           WHERE ${scopeConditions(scope, params, 'b', 'b.project_key')}`;
}

// -1 in time_started/time_ended means "never" (§8.1): null here
const jobItem = `jsonb_build_object('job_id', id, 'project_id', project_id, 'client_id', client_id, 'status', status, 'event', event,
  'result', result, 'next_run', CASE WHEN freezer_job_armed(status, event) THEN next_run END,
  'time_started', CASE WHEN time_started >= 0 THEN time_started END, 'time_ended', CASE WHEN time_ended >= 0 THEN time_ended END)`;

const LISTS: Record<ProblemList, { from: ListSql; where: string; id: string; sortKey: string; item: string }> = {
  stale_clients: {
    from: clientsSql,
    where: 'stale',
    id: 'client_id',
    sortKey: 'last_seen',
    item: `jsonb_build_object('client_id', client_id, 'project_id', nullif(project, ''), 'hostname', hostname, 'last_seen', last_seen)`,
  },
  overdue_jobs: { from: jobsSql, where: 'overdue', id: 'id', sortKey: 'next_run::float8', item: jobItem },
  failing_jobs: { from: jobsSql, where: 'failing', id: 'id', sortKey: 'coalesce(time_ended, time_started, -1)::float8', item: jobItem },
  unschedulable_jobs: {
    from: jobsSql,
    where: 'schedule_error IS NOT NULL',
    id: 'id',
    sortKey: 'coalesce(time_ended, time_started, -1)::float8',
    item: `${jobItem} || jsonb_build_object('schedule_error', schedule_error)`,
  },
  old_backups: {
    from: backupsSql,
    where: 'old',
    id: 'backup_id',
    sortKey: 'time_stamp',
    item: `jsonb_build_object('hostname', hostname, 'backup_name', backup_name, 'project_id', nullif(project, ''), 'backup_id', backup_id,
      'time_stamp', time_stamp, 'level', level, 'age_s', age_s, 'max_age_s', max_age_s)`,
  },
};

@Injectable()
export class StatusRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  clientCounts(scope: StatusScope, window: StatusWindow): Promise<ClientCounts[]> {
    const params = new SqlParams();
    return this.db.query(
      `SELECT project, count(*)::int AS total, count(*) FILTER (WHERE stale)::int AS stale FROM (${clientsSql(scope, window, params)}) AS c GROUP BY project`,
      params.values,
    );
  }

  jobCounts(scope: StatusScope, window: StatusWindow): Promise<JobCounts[]> {
    const params = new SqlParams();
    return this.db.query(
      `SELECT project, status, result, count(*)::int AS total, count(*) FILTER (WHERE overdue)::int AS overdue,
              count(*) FILTER (WHERE failing)::int AS failing, count(*) FILTER (WHERE schedule_error IS NOT NULL)::int AS unschedulable
         FROM (${jobsSql(scope, window, params)}) AS j GROUP BY project, status, result`,
      params.values,
    );
  }

  backupCounts(scope: StatusScope, window: StatusWindow): Promise<BackupCounts[]> {
    const params = new SqlParams();
    return this.db.query(
      `SELECT project, count(*)::int AS total, count(*) FILTER (WHERE old)::int AS old, max(age_s) AS oldest_age_s
         FROM (${backupsSql(scope, window, params)}) AS b GROUP BY project`,
      params.values,
    );
  }

  // One page of a problem list, newest first; `marker` names the item after which to go on.
  async problems(list: ProblemList, scope: StatusScope, window: StatusWindow, paging: Paging): Promise<JsonObject[]> {
    const spec = LISTS[list];
    const params = new SqlParams();
    const source = `SELECT ${spec.id} AS item_id, ${spec.sortKey} AS sort_key, ${spec.item} AS item
                      FROM (${spec.from(scope, window, params)}) AS source WHERE ${spec.where}`;
    let after = '';
    if (paging.marker !== null) {
      const marker = params.add(paging.marker);
      after = `WHERE (sort_key, item_id) < (SELECT sort_key, item_id FROM listed WHERE item_id = ${marker})`;
      const found = await this.db.query<unknown[]>(`WITH listed AS (${source}) SELECT 1 FROM listed WHERE item_id = ${marker}`, params.values);
      if (found.length === 0) throw new InvalidParameterError('marker', `The value must be the id of an item of ${list}.`);
    }
    const rows = await this.db.query<Array<{ item: JsonObject }>>(
      `WITH listed AS (${source}) SELECT item FROM listed ${after}
        ORDER BY sort_key DESC, item_id DESC LIMIT ${params.add(paging.limit)} OFFSET ${params.add(paging.offset)}`,
      params.values,
    );
    return rows.map((row) => row.item);
  }
}
