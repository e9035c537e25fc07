// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the protection-status report reads, kept beside the documents (never in them):
 *
 * - client_liveness: when each client last polled for its jobs or registered, written by the API
 *   processes at most once per client per LIVENESS_RESOLUTION_S; several processes may write one
 *   client, and the greatest time wins.
 * - job_status: a narrow copy of each job's schedule state, kept by a trigger on jobs so that a
 *   report over 50,000 jobs reads a few columns instead of every document. `armed_at` is when the
 *   job last entered a state in which the scheduler runs it (its trigger was created then). The
 *   next run is computed by the service from the job's schedule (cron fields need APScheduler's
 *   rules) for the version in `computed_version`; a row whose version moved on is computed again.
 * - backup_newest: the newest available backup (status "available", or none) of each (owner,
 *   project, hostname, backup_name), kept by a trigger on backups: one upsert on a small table per
 *   backup written; a delete or change of the newest looks for the next newest through the
 *   promoted-column GIN index.
 *
 * The tables, functions and triggers are created in one short transaction; the rows already stored
 * are then copied in batches of BATCH, each committed on its own and walked in primary-key order,
 * so that job and backup writes wait at most for one batch. The triggers run from the start: a row
 * they wrote meanwhile is as new as the batch's or newer, and is kept (jobs: by version; backups:
 * the newest time_stamp wins). A batch locks the rows it reads (FOR SHARE) so that none is deleted
 * or changed between its reading and its commit.
 */
const BATCH = 2000;

// The newest-backup trigger's function as this migration made it (a later one replaces it and puts
// it back on the way down).
export const BACKUP_NEWEST_SYNC = `
      CREATE OR REPLACE FUNCTION freezer_backup_newest_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        host text;
        name text;
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          host := OLD.doc #>> '{backup_metadata,hostname}';
          name := OLD.doc #>> '{backup_metadata,backup_name}';
          -- only the newest of its group matters; another is a primary-key probe and nothing more
          DELETE FROM backup_newest
           WHERE owner_id = OLD.owner_id AND project_key = coalesce(OLD.project_id, '')
             AND hostname = host AND backup_name = name AND backup_id = OLD.id;
          IF FOUND THEN
            INSERT INTO backup_newest (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level)
            SELECT b.owner_id, coalesce(b.project_id, ''), host, name, b.id,
                   coalesce(b.time_stamp, extract(epoch FROM b.created_at)), b.doc #> '{backup_metadata,level}'
              FROM backups b
             WHERE b.owner_id = OLD.owner_id AND b.project_id IS NOT DISTINCT FROM OLD.project_id
               AND b.hostname @> jsonb_build_array(OLD.doc #> '{backup_metadata,hostname}')
               AND b.backup_name @> jsonb_build_array(OLD.doc #> '{backup_metadata,backup_name}')
               AND b.doc #>> '{backup_metadata,hostname}' = host AND b.doc #>> '{backup_metadata,backup_name}' = name
               AND coalesce(b.doc ->> 'status', 'available') = 'available'
             ORDER BY coalesce(b.time_stamp, extract(epoch FROM b.created_at)) DESC, b.id DESC
             LIMIT 1
            ON CONFLICT DO NOTHING;
          END IF;
          IF TG_OP = 'DELETE' THEN
            RETURN NULL;
          END IF;
        END IF;
        host := NEW.doc #>> '{backup_metadata,hostname}';
        name := NEW.doc #>> '{backup_metadata,backup_name}';
        -- only a usable backup counts (not one still being created, failed or being deleted); a key
        -- too long for the index is left out of the report rather than refusing the backup
        IF host IS NULL OR name IS NULL OR length(host) > 255 OR length(name) > 255
           OR coalesce(NEW.doc ->> 'status', 'available') <> 'available' THEN
          RETURN NULL;
        END IF;
        INSERT INTO backup_newest AS n (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level)
        VALUES (NEW.owner_id, coalesce(NEW.project_id, ''), host, name, NEW.id,
                coalesce(NEW.time_stamp, extract(epoch FROM NEW.created_at)), NEW.doc #> '{backup_metadata,level}')
        ON CONFLICT (owner_id, project_key, hostname, backup_name) DO UPDATE
          SET backup_id = excluded.backup_id, time_stamp = excluded.time_stamp, level = excluded.level
          WHERE (excluded.time_stamp, excluded.backup_id) > (n.time_stamp, n.backup_id);
        RETURN NULL;
      END
      $fn$`;

// The job-status trigger's function as this migration made it (a later one replaces it and puts it
// back on the way down).
export const JOB_STATUS_SYNC = `
      CREATE OR REPLACE FUNCTION freezer_job_status_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        v_schedule jsonb;
        v_status text;
        v_event text;
        v_armed boolean;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          DELETE FROM job_status WHERE owner_id = OLD.owner_id AND id = OLD.id;
          RETURN NULL;
        END IF;
        v_schedule := CASE WHEN jsonb_typeof(NEW.doc -> 'job_schedule') = 'object' THEN NEW.doc -> 'job_schedule' ELSE '{}' END;
        v_status := coalesce(v_schedule ->> 'status', '');
        v_event := coalesce(v_schedule ->> 'event', '');
        v_armed := freezer_job_armed(v_status, v_event);
        INSERT INTO job_status AS j (owner_id, id, project_id, client_id, version, status, result, event,
                                     time_started, time_ended, backup_names, armed_at)
        VALUES (NEW.owner_id, NEW.id, NEW.project_id, NEW.doc ->> 'client_id', NEW.version, v_status,
                coalesce(v_schedule ->> 'result', ''), v_event,
                freezer_epoch(v_schedule -> 'time_started'), freezer_epoch(v_schedule -> 'time_ended'),
                freezer_job_backup_names(NEW.doc),
                CASE WHEN v_armed THEN now() END)
        ON CONFLICT (owner_id, id) DO UPDATE SET
          project_id = excluded.project_id, client_id = excluded.client_id, version = excluded.version,
          status = excluded.status, result = excluded.result, event = excluded.event,
          time_started = excluded.time_started, time_ended = excluded.time_ended, backup_names = excluded.backup_names,
          armed_at = CASE WHEN NOT v_armed THEN NULL ELSE coalesce(j.armed_at, excluded.armed_at) END;
        RETURN NULL;
      END
      $fn$`;

export class ProtectionStatus1764793600000 implements MigrationInterface {
  name = 'ProtectionStatus1764793600000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.startTransaction();
    try {
      await this.createObjects(q);
      await q.commitTransaction();
    } catch (error) {
      await q.rollbackTransaction();
      throw error;
    }
    await walk(q, JOB_BATCH);
    await walk(q, BACKUP_BATCH);
  }

  private async createObjects(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE client_liveness (
        owner_id text NOT NULL,
        client_id text NOT NULL,
        last_seen timestamptz NOT NULL,
        CONSTRAINT client_liveness_pkey PRIMARY KEY (owner_id, client_id)
      )`);

    await q.query(`
      CREATE TABLE job_status (
        owner_id text NOT NULL,
        id text NOT NULL,
        project_id text,
        client_id text,
        version integer NOT NULL,
        status text NOT NULL,
        result text NOT NULL,
        event text NOT NULL,
        time_started bigint,
        time_ended bigint,
        backup_names text[] NOT NULL DEFAULT '{}',
        armed_at timestamptz,
        computed_version integer,
        next_run bigint,
        interval_s bigint,
        schedule_error text,
        CONSTRAINT job_status_pkey PRIMARY KEY (owner_id, id)
      ) WITH (fillfactor = 70)`);
    await q.query(`CREATE INDEX job_status_owner_project ON job_status (owner_id, project_id)`);
    await q.query(`CREATE INDEX job_status_stale_computation ON job_status (owner_id) WHERE computed_version IS DISTINCT FROM version`);
    // a whole number of epoch seconds, or null for anything else (never an error: the job write goes on)
    await q.query(`
      CREATE FUNCTION freezer_epoch(value jsonb) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT CASE WHEN jsonb_typeof(value) = 'number' AND abs((value #>> '{}')::numeric) < 1e15
                    THEN floor((value #>> '{}')::numeric)::bigint END
      $fn$`);
    // The states in which freezer-scheduler runs the job: told to start, waiting for its trigger
    // (or not yet taken), or running.
    await q.query(`
      CREATE FUNCTION freezer_job_armed(status text, event text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT event = 'start' OR (event = '' AND status IN ('', 'scheduled', 'running'))
      $fn$`);
    // the backup names a job writes: those of its backup actions (no action given means backup)
    await q.query(`
      CREATE FUNCTION freezer_job_backup_names(doc jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT ARRAY(SELECT DISTINCT a #>> '{freezer_action,backup_name}'
                       FROM jsonb_array_elements(CASE WHEN jsonb_typeof(doc -> 'job_actions') = 'array' THEN doc -> 'job_actions' ELSE '[]' END) AS a
                      WHERE jsonb_typeof(a #> '{freezer_action,backup_name}') = 'string'
                        AND coalesce(a #>> '{freezer_action,action}', 'backup') = 'backup')
      $fn$`);
    await q.query(JOB_STATUS_SYNC);
    await q.query(`CREATE TRIGGER jobs_status_sync AFTER INSERT OR DELETE OR UPDATE OF doc ON jobs
      FOR EACH ROW EXECUTE FUNCTION freezer_job_status_sync()`);
    await q.query(`
      CREATE TABLE backup_newest (
        owner_id text NOT NULL,
        project_key text NOT NULL,
        hostname text NOT NULL,
        backup_name text NOT NULL,
        backup_id text NOT NULL,
        time_stamp numeric NOT NULL,
        level jsonb,
        CONSTRAINT backup_newest_pkey PRIMARY KEY (owner_id, project_key, hostname, backup_name)
      ) WITH (fillfactor = 50)`);
    await q.query(BACKUP_NEWEST_SYNC);
    await q.query(`CREATE TRIGGER backups_newest_sync AFTER INSERT OR DELETE OR UPDATE OF doc ON backups
      FOR EACH ROW EXECUTE FUNCTION freezer_backup_newest_sync()`);
    // a deleted client's liveness goes with it
    await q.query(`
      CREATE FUNCTION freezer_client_liveness_forget() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        DELETE FROM client_liveness WHERE owner_id = OLD.owner_id AND client_id = OLD.id;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER clients_liveness_forget AFTER DELETE ON clients
      FOR EACH ROW EXECUTE FUNCTION freezer_client_liveness_forget()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER clients_liveness_forget ON clients`);
    await q.query(`DROP FUNCTION freezer_client_liveness_forget()`);
    await q.query(`DROP TRIGGER backups_newest_sync ON backups`);
    await q.query(`DROP FUNCTION freezer_backup_newest_sync()`);
    await q.query(`DROP TABLE backup_newest`);
    await q.query(`DROP TRIGGER jobs_status_sync ON jobs`);
    await q.query(`DROP FUNCTION freezer_job_status_sync()`);
    await q.query(`DROP FUNCTION freezer_job_backup_names(jsonb)`);
    await q.query(`DROP FUNCTION freezer_job_armed(text, text)`);
    await q.query(`DROP FUNCTION freezer_epoch(jsonb)`);
    await q.query(`DROP TABLE job_status`);
    await q.query(`DROP TABLE client_liveness`);
  }
}

// One batch of the copy: the rows after the marker ($1, $2), locked and copied; it answers the last
// primary key it read.
const JOB_BATCH = `
  WITH batch AS (
    SELECT owner_id, id, project_id, version, created_at, doc FROM jobs
     WHERE ($1::text IS NULL OR (owner_id, id) > ($1::text, $2::text))
     ORDER BY owner_id, id LIMIT ${BATCH}
       FOR SHARE
  ), copied AS (
    -- jobs written before this migration: armed since their creation
    INSERT INTO job_status AS j (owner_id, id, project_id, client_id, version, status, result, event, time_started, time_ended, backup_names, armed_at)
    SELECT owner_id, id, project_id, doc ->> 'client_id', version, st, coalesce(s ->> 'result', ''), ev,
           freezer_epoch(s -> 'time_started'), freezer_epoch(s -> 'time_ended'),
           freezer_job_backup_names(doc),
           CASE WHEN freezer_job_armed(st, ev) THEN created_at END
      FROM batch,
           LATERAL (SELECT CASE WHEN jsonb_typeof(doc -> 'job_schedule') = 'object' THEN doc -> 'job_schedule' ELSE '{}' END AS s) AS sched,
           LATERAL (SELECT coalesce(s ->> 'status', '') AS st, coalesce(s ->> 'event', '') AS ev) AS state
    -- a row the trigger wrote is of this version or a later one
    ON CONFLICT (owner_id, id) DO NOTHING
  )
  SELECT owner_id, id FROM batch ORDER BY owner_id DESC, id DESC LIMIT 1`;

const BACKUP_BATCH = `
  WITH batch AS (
    SELECT owner_id, id, project_id, time_stamp, created_at, doc FROM backups
     WHERE ($1::text IS NULL OR (owner_id, id) > ($1::text, $2::text))
     ORDER BY owner_id, id LIMIT ${BATCH}
       FOR SHARE
  ), copied AS (
    INSERT INTO backup_newest AS n (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level)
    SELECT DISTINCT ON (owner_id, coalesce(project_id, ''), doc #>> '{backup_metadata,hostname}', doc #>> '{backup_metadata,backup_name}')
           owner_id, coalesce(project_id, ''), doc #>> '{backup_metadata,hostname}', doc #>> '{backup_metadata,backup_name}', id,
           coalesce(time_stamp, extract(epoch FROM created_at)), doc #> '{backup_metadata,level}'
      FROM batch
     WHERE length(doc #>> '{backup_metadata,hostname}') <= 255 AND length(doc #>> '{backup_metadata,backup_name}') <= 255
       AND coalesce(doc ->> 'status', 'available') = 'available'
     ORDER BY owner_id, coalesce(project_id, ''), doc #>> '{backup_metadata,hostname}', doc #>> '{backup_metadata,backup_name}',
              coalesce(time_stamp, extract(epoch FROM created_at)) DESC, id DESC
    -- the newest wins, whether an earlier batch or the trigger wrote the other
    ON CONFLICT (owner_id, project_key, hostname, backup_name) DO UPDATE
      SET backup_id = excluded.backup_id, time_stamp = excluded.time_stamp, level = excluded.level
      WHERE (excluded.time_stamp, excluded.backup_id) > (n.time_stamp, n.backup_id)
  )
  SELECT owner_id, id FROM batch ORDER BY owner_id DESC, id DESC LIMIT 1`;

// Runs `batch` (each statement commits on its own) until the table is walked.
export async function walk(q: QueryRunner, batch: string): Promise<void> {
  let after: { owner_id: string; id: string } | null = null;
  for (;;) {
    const rows: Array<{ owner_id: string; id: string }> = await q.query(batch, [after?.owner_id ?? null, after?.id ?? null]);
    if (rows.length === 0) return;
    after = rows[0];
  }
}
