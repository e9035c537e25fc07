// SPDX-License-Identifier: Apache-2.0
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isJsonObject, type JsonValue } from '../../common/json/json.types.js';
import { SqlParams } from '../../common/search/sql-params.js';
import { inTransaction } from '../../common/ownership/transaction.js';
import { queryRows } from '../../database/prepared-statements.js';
import { type NextRun, nextRunOf } from './schedule/next-run.js';
import { type StatusScope, scopeConditions } from './status-scope.js';

interface StaleRow {
  owner_id: string;
  id: string;
  version: number;
  armed_at: number;
  time_started: string | null;
  time_ended: string | null;
  // the writing interval computed last time (bigint: text), null if none
  interval_s: string | null;
  schedule: JsonValue;
}

const BATCH = 2000;
// jobs computed between two turns of the event loop, so that other requests go on meanwhile
const JOBS_PER_TURN = 50;

// The next run of each job whose schedule changed since it was last computed (job_status rows
// whose computed_version lags): computed here, since APScheduler's cron rules are no SQL, and
// written back only if the job did not change meanwhile. Runs before every report and metrics
// computation; after a quiet period there is nothing to do.
@Injectable()
export class JobScheduleRefresher {
  private readonly logger = new Logger('JobScheduleRefresher');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async refresh(scope: StatusScope): Promise<void> {
    for (;;) {
      const params = new SqlParams();
      const rows = await this.db.query<StaleRow[]>(
        // the rows to compute through their partial index, each job's schedule by its primary key;
        // a job not armed has no next run to report, only a schedule to check: now stands in
        `SELECT s.owner_id, s.id, s.version, s.time_started, s.time_ended, s.interval_s,
                (SELECT j.doc -> 'job_schedule' FROM job_documents j WHERE j.owner_id = s.owner_id AND j.id = s.id) AS schedule,
                extract(epoch FROM coalesce(s.armed_at, now()))::float8 AS armed_at
           FROM job_status s
          WHERE ${scopeConditions(scope, params, 's')} AND s.computed_version IS DISTINCT FROM s.version
          LIMIT ${BATCH}`,
        params.values,
      );
      if (rows.length === 0) return;
      await this.write(rows);
      if (rows.length < BATCH) return;
    }
  }

  private async write(rows: StaleRow[]): Promise<void> {
    const computed: NextRun[] = [];
    for (const row of rows) {
      if (computed.length > 0 && computed.length % JOBS_PER_TURN === 0) await yieldToEventLoop();
      computed.push(this.compute(row));
    }
    // The next runs and, for the jobs whose writing interval changed, which backups they write:
    // the rows' own triggers stand aside for the bulk function, which keeps the writers of the
    // whole batch in a few statements instead of a dozen per job (the first report after many jobs
    // changed computes thousands). Run again if a concurrent writer makes it a deadlock victim.
    await inTransaction(this.db, async (em) => {
      await em.query(`SELECT set_config('freezer.writers_in_bulk', 'on', true)`);
      const written = await queryRows<{ owner_id: string; id: string }>(
        em,
        `UPDATE job_status s
            SET computed_version = u.version, next_run = u.next_run, interval_s = u.interval_s, schedule_error = u.error
           FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::text[]) AS u(owner_id, id, version, next_run, interval_s, error)
          WHERE s.owner_id = u.owner_id AND s.id = u.id AND s.version = u.version
         RETURNING s.owner_id, s.id`,
        [
          rows.map((r) => r.owner_id),
          rows.map((r) => r.id),
          rows.map((r) => r.version),
          computed.map((c) => c.nextRun),
          computed.map((c) => c.intervalS),
          computed.map((c) => c.error),
        ],
      );
      // a job whose interval stayed as it was writes the same backups as before
      const moved = new Set(rows.filter((r, i) => (r.interval_s === null ? null : Number(r.interval_s)) !== computed[i]!.intervalS).map((r) => `${r.owner_id}\u0000${r.id}`));
      const changed = written.filter((r) => moved.has(`${r.owner_id}\u0000${r.id}`));
      if (changed.length > 0) {
        await em.query(`SELECT freezer_backup_writers_of_jobs($1::text[], $2::text[])`, [changed.map((r) => r.owner_id), changed.map((r) => r.id)]);
      }
      await em.query(`SELECT set_config('freezer.writers_in_bulk', 'off', true)`);
    });
  }

  // One job's next run; a job this cannot compute is reported as never running rather than
  // failing the batch (and with it every report and the metrics of everyone).
  private compute(row: StaleRow): NextRun {
    try {
      return nextRunOf(isJsonObject(row.schedule) ? row.schedule : {}, {
        armedAt: Math.floor(row.armed_at),
        timeStarted: row.time_started === null ? null : Number(row.time_started),
        timeEnded: row.time_ended === null ? null : Number(row.time_ended),
      });
    } catch (error) {
      this.logger.warn(`could not compute the next run of job ${row.id}: ${(error as Error).message}`);
      return { kind: null, nextRun: null, intervalS: null, error: 'the schedule cannot be computed: the job never runs' };
    }
  }
}
