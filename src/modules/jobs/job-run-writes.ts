// SPDX-License-Identifier: Apache-2.0
import type { Owner } from '../../common/auth/request-context.js';
import type { JsonObject } from '../../common/json/json.types.js';
import type { Queryable } from '../../common/ownership/owned-documents.js';
import { VersionedBatchWrites, type VersionedWrite } from '../../common/ownership/document-updates.js';

// Run states written at once at most. A row costs PostgreSQL little here (no index of jobs
// changes), so the statement around it is most of the cost: with 32 scheduler connections, S6 in
// bench/ alternating 6 and 16-64 rows per statement: PostgreSQL's CPU per write-back 457-493 µs
// against 213-271 µs, 1,443-1,584 req/s against 1,779-1,901.
const RUNS_PER_BATCH = 32;

interface RunWrite extends VersionedWrite {
  run: JsonObject;
  // the promoted status and event of the whole document, as JSON text
  status: string;
  event: string;
}

/**
 * Write-backs that change a job's run state alone (see runStateWrite), in batches like every
 * optimistic job write. The row gets the run state, its promoted status and event and a new
 * version; its document and every indexed column stay as they are, so PostgreSQL rewrites the row
 * on its page and no index (the JobRunState migration). The jobs triggers do not run (they follow
 * changes of `doc`): the same statement brings job_status up to date as freezer_job_status_sync
 * would for the whole document, whose job_schedule run keys are `run`.
 */
export class JobRunUpdatesAt extends VersionedBatchWrites<RunWrite> {
  constructor(db: Queryable) {
    super(db, 'jobs', RUN_SQL, RUNS_PER_BATCH);
  }

  // The new version, or null when the job is no longer at `version`.
  write(owner: Owner, id: string, version: number, run: JsonObject, status: string, event: string): Promise<number | null> {
    return this.enqueue({ owner, id, version, run, status, event });
  }

  protected params(batch: readonly RunWrite[]): unknown[] {
    return [
      batch.map((w) => w.owner.ownerId),
      batch.map((w) => w.owner.projectFilter),
      batch.map((w) => w.id),
      batch.map((w) => w.version),
      batch.map((w) => JSON.stringify(w.run)),
      batch.map((w) => w.status),
      batch.map((w) => w.event),
    ];
  }
}

// u.project_id NULL: the owner's job in any project (a v1 or user-scoped write). job_status's
// columns as freezer_job_status_sync computes them from job_schedule; its backup names, client
// and project cannot have changed (they are not run keys). run_pairs and run_text are what
// freezer_leaf_pairs and freezer_doc_text give for the run state (a flat object of scalars),
// stated inline: the PL/pgSQL functions cost several times more.
const RUN_SQL = `WITH written AS (
    UPDATE jobs AS t SET run = u.run::jsonb, status = u.status::jsonb, event = u.event::jsonb,
           version = t.version + 1, updated_at = clock_timestamp()
      FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[])
             WITH ORDINALITY AS u(owner_id, project_id, id, version, run, status, event, n)
     WHERE t.owner_id = u.owner_id AND t.id = u.id AND t.version = u.version AND (u.project_id IS NULL OR t.project_id = u.project_id)
    RETURNING u.n::int AS n, t.owner_id, t.id, t.version, t.run, t.status, t.event
  ), synced AS (
    UPDATE job_status AS s
       SET version = w.version, status = r.status, result = coalesce(w.run ->> 'result', ''), event = r.event,
           time_started = freezer_epoch(w.run -> 'time_started'), time_ended = freezer_epoch(w.run -> 'time_ended'),
           status_values = w.status, event_values = w.event,
           run_pairs = ARRAY(SELECT DISTINCT freezer_pair(m.key, m.value) AS pair FROM jsonb_each(w.run) AS m ORDER BY pair),
           run_text = (SELECT coalesce(string_agg(m.value #>> '{}', chr(31)), '') FROM jsonb_each(w.run) AS m
                        WHERE jsonb_typeof(m.value) IN ('string', 'number')),
           armed_at = CASE WHEN freezer_job_armed(r.status, r.event) THEN coalesce(s.armed_at, now()) END
      FROM written AS w, LATERAL (SELECT coalesce(w.run ->> 'status', '') AS status, coalesce(w.run ->> 'event', '') AS event) AS r
     WHERE s.owner_id = w.owner_id AND s.id = w.id
  )
  SELECT n, version FROM written`;
