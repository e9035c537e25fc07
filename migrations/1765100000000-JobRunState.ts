// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { JOB_STATUS_SYNC, walk } from './1764793600000-ProtectionStatus.js';

/**
 * A job's run state beside its document, so that a scheduler's write-back touches no index of
 * the jobs table.
 *
 * freezer-scheduler writes a job back twice per run (it started, it ended), changing only the run
 * keys of job_schedule (RUN_KEYS). Replacing the document made PostgreSQL write a new row version
 * and a new entry in every index of the table: the trigram and leaf-pair GIN indexes over the
 * whole document and four b-trees, about 600 µs of a write-back's 800. Now such a write-back sets
 * `jobs.run` (those keys, as the write-back left them) and leaves `doc` as it was. No index of jobs
 * reads `run`, `status` or `event`, so PostgreSQL updates the row in place on its page (a
 * heap-only tuple; fillfactor 70 leaves the room) and no index changes.
 *
 * - The document is freezer_job_doc(doc, run): job_schedule's run keys come from `run` when it
 *   is set. Every other write stores the whole document, and a trigger then sets `run` to NULL,
 *   whoever the writer (an API process of an earlier version too). The job_documents view
 *   answers reads with that document.
 * - `status` and `event` (the promoted bare keys) stay current on jobs, now without an index.
 *   Their index is on job_status (status_values, event_values), which every write updates anyway.
 * - A search narrows with the indexes over `doc` and, for the run keys and free text, with the
 *   pairs and the text of the last write-back's `run`, kept in job_status (run_pairs, run_text:
 *   what freezer_leaf_pairs and freezer_doc_text give for it, computed by the write-back's own
 *   statement; NULL after any other write). The pairs and the text of freezer_job_doc(doc, run)
 *   are among those of `doc` and `run` together, so the two index scans find every row that can
 *   match; the exact test then runs on the document itself.
 *
 * The indexes are built concurrently and the existing rows are copied in committed batches, so
 * that API processes still running keep writing jobs meanwhile.
 */
export const RUN_KEYS = ['status', 'result', 'event', 'time_started', 'time_ended', 'current_pid'] as const;
const RUN_KEYS_SQL = `ARRAY[${RUN_KEYS.map((key) => `'${key}'`).join(', ')}]`;

// One batch of the copy of the promoted values into job_status: the jobs after the marker ($1,
// $2), locked so that a write waits until the batch commits (its trigger then writes its own).
const BATCH = `
  WITH batch AS (
    SELECT owner_id, id, status, event FROM jobs
     WHERE ($1::text IS NULL OR (owner_id, id) > ($1::text, $2::text))
     ORDER BY owner_id, id LIMIT 2000
       FOR SHARE
  ), copied AS (
    UPDATE job_status AS s SET status_values = b.status, event_values = b.event
      FROM batch AS b WHERE s.owner_id = b.owner_id AND s.id = b.id
  )
  SELECT owner_id, id FROM batch ORDER BY owner_id DESC, id DESC LIMIT 1`;

// The job-status trigger's function: as before, plus the promoted values and `run` (a write that
// goes through the trigger stores the whole document, so there is no separate run state).
const JOB_STATUS_SYNC_WITH_RUN = JOB_STATUS_SYNC.replace(
  'time_started, time_ended, backup_names, armed_at)',
  'time_started, time_ended, backup_names, armed_at, status_values, event_values)',
)
  .replace('CASE WHEN v_armed THEN now() END)', 'CASE WHEN v_armed THEN now() END, NEW.status, NEW.event)')
  .replace(
    'backup_names = excluded.backup_names,',
    'backup_names = excluded.backup_names, status_values = excluded.status_values, event_values = excluded.event_values, run_pairs = NULL, run_text = NULL,',
  );

// A write of the whole document ends the run state written beside it.
const RUN_RESET = `
      CREATE OR REPLACE FUNCTION freezer_jobs_run_reset() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.run := NULL;
        RETURN NEW;
      END
      $fn$`;

export class JobRunState1765100000000 implements MigrationInterface {
  name = 'JobRunState1765100000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    if ((JOB_STATUS_SYNC_WITH_RUN.match(/status_values|NEW\.event\)|run_text = NULL/g) ?? []).length !== 5) throw new Error('freezer_job_status_sync has an unexpected body');
    await q.startTransaction();
    try {
      await q.query(`ALTER TABLE jobs ADD COLUMN IF NOT EXISTS run jsonb`);
      // room on each page for the write-back's new row version. Pages filled before keep none: a
      // job stored there moves to a page with room at its first write-back, and stays from then on.
      await q.query(`ALTER TABLE jobs SET (fillfactor = 70)`);
      await q.query(`ALTER TABLE job_status ADD COLUMN IF NOT EXISTS status_values jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN IF NOT EXISTS event_values jsonb NOT NULL DEFAULT '[]', ADD COLUMN IF NOT EXISTS run_pairs text[],
        ADD COLUMN IF NOT EXISTS run_text text`);
      // One SQL expression (not STRICT), which PostgreSQL inlines into the query that calls it.
      await q.query(`
        CREATE OR REPLACE FUNCTION freezer_job_doc(doc jsonb, run jsonb) RETURNS jsonb
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
          SELECT CASE WHEN run IS NULL OR jsonb_typeof(doc -> 'job_schedule') IS DISTINCT FROM 'object' THEN doc
                      ELSE jsonb_set(doc, '{job_schedule}', ((doc -> 'job_schedule') - ${RUN_KEYS_SQL}) || run) END
        $fn$`);
      await q.query(`
        CREATE OR REPLACE VIEW job_documents AS
        SELECT owner_id, id, project_id, user_id, version, created_at, updated_at,
               freezer_job_doc(doc, run) AS doc, doc AS stored_doc, client_id, status, event
          FROM jobs`);
      await q.query(RUN_RESET);
      // an attempt interrupted after this transaction left the trigger: the statements here run again
      await q.query(`DROP TRIGGER IF EXISTS jobs_run_reset ON jobs`);
      await q.query(`CREATE TRIGGER jobs_run_reset BEFORE UPDATE OF doc ON jobs
        FOR EACH ROW WHEN (NEW.run IS NOT NULL) EXECUTE FUNCTION freezer_jobs_run_reset()`);
      await q.query(JOB_STATUS_SYNC_WITH_RUN);
      await q.commitTransaction();
    } catch (error) {
      await q.rollbackTransaction();
      throw error;
    }
    await walk(q, BATCH);
    // an interrupted attempt leaves at most an invalid index: replace it
    for (const [name, definition] of [
      ['job_status_promoted', 'job_status USING gin (status_values jsonb_path_ops, event_values jsonb_path_ops)'],
      ['job_status_run_pairs', 'job_status USING gin (run_pairs)'],
      ['job_status_run_text', 'job_status USING gin (run_text gin_trgm_ops)'],
      ['jobs_client_id', 'jobs USING gin (client_id jsonb_path_ops)'],
    ]) {
      await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await q.query(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
    }
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS jobs_promoted`);
  }

  // With the service stopped: a run state written between the first statement and the last would
  // be lost with the column.
  async down(q: QueryRunner): Promise<void> {
    // every run state back into its document (the triggers recompute the rest and clear `run`)
    await q.query(`UPDATE jobs SET doc = freezer_job_doc(doc, run) WHERE run IS NOT NULL`);
    await q.query(`CREATE INDEX jobs_promoted ON jobs USING gin
      (client_id jsonb_path_ops, status jsonb_path_ops, event jsonb_path_ops)`);
    await q.query(`DROP INDEX jobs_client_id`);
    await q.query(`DROP INDEX job_status_run_text`);
    await q.query(`DROP INDEX job_status_run_pairs`);
    await q.query(`DROP INDEX job_status_promoted`);
    await q.query(JOB_STATUS_SYNC);
    await q.query(`DROP TRIGGER jobs_run_reset ON jobs`);
    await q.query(`DROP FUNCTION freezer_jobs_run_reset()`);
    await q.query(`DROP VIEW job_documents`);
    await q.query(`DROP FUNCTION freezer_job_doc(jsonb, jsonb)`);
    await q.query(`ALTER TABLE job_status DROP COLUMN run_text, DROP COLUMN run_pairs, DROP COLUMN event_values, DROP COLUMN status_values`);
    await q.query(`ALTER TABLE jobs RESET (fillfactor)`);
    await q.query(`ALTER TABLE jobs DROP COLUMN run`);
  }
}
