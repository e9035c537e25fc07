// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { BACKUP_NEWEST_SYNC as PREVIOUS_BACKUP_NEWEST_SYNC } from './1764793600000-ProtectionStatus.js';

/**
 * Which armed jobs write which (hostname, backup_name), and how often, kept up to date as jobs and
 * clients change, so that the protection-status report finds each pair's threshold in the pair's
 * own backup_newest row instead of joining every armed job to its client's document on each report
 * (at 50,000 jobs that join was most of a report's time).
 *
 * - backup_writers: one row per writing job and backup name, kept by triggers on job_status and
 *   clients.
 * - backup_newest.writer_interval_s: the shortest interval of the pair's writers (null: none),
 *   refreshed by a trigger on backup_writers and set by the newest-backup trigger when a pair's
 *   row is made (a backup POST of a known pair does nothing more than before). Both first lock the
 *   pair's row in backup_pair_locks and read the writers in the statement after it, so a writer
 *   change and a new pair's first backup at the same moment never miss each other.
 *
 * A row exists while its job is armed, has a computed interval, names backup actions, and its
 * client is registered with a hostname. The job side only acts when one of those inputs changes
 * (the trigger's WHEN), so the scheduler's write-backs, which flip a job between scheduled and
 * running, cost nothing here. The job side locks the client row (FOR SHARE) before it touches its
 * rows: a concurrent change of the client's hostname is then either seen by the job side or
 * sees the job side's rows, never neither.
 *
 * Partial indexes on job_status serve the report's overdue, failing and unschedulable lists.
 *
 * The rows of the jobs already stored are copied in the same transaction, with client, job and
 * backup writes held off for as long as it takes (a few seconds at 50,000 jobs and as many pairs).
 */
export class BackupWriters1764900000000 implements MigrationInterface {
  name = 'BackupWriters1764900000000';

  async up(q: QueryRunner): Promise<void> {
    // what the triggers below keep is copied at the end: nothing may change it meanwhile
    await q.query(`LOCK TABLE clients, job_status, backup_newest IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`
      CREATE TABLE backup_writers (
        owner_id text NOT NULL,
        job_id text NOT NULL,
        backup_name text NOT NULL,
        project_key text NOT NULL,
        client_id text NOT NULL,
        hostname text NOT NULL,
        interval_s bigint NOT NULL,
        CONSTRAINT backup_writers_pkey PRIMARY KEY (owner_id, job_id, backup_name)
      )`);
    // the report's order: the shortest interval of each pair is the first of its group
    await q.query(`CREATE INDEX backup_writers_pair ON backup_writers (owner_id, project_key, hostname, backup_name, interval_s)`);
    await q.query(`CREATE INDEX backup_writers_client ON backup_writers (owner_id, client_id)`);
    await q.query(`CREATE INDEX job_status_client ON job_status (owner_id, client_id)`);
    // the report's job lists, each read newest first from its own index down to a page's end
    // (their sort keys as status.repository.ts writes them)
    await q.query(`CREATE INDEX job_status_overdue ON job_status (owner_id, project_id, (next_run::float8), id)
      WHERE freezer_job_armed(status, event) AND status <> 'running'`);
    await q.query(`CREATE INDEX job_status_failing ON job_status (owner_id, project_id, (coalesce(time_ended, time_started, -1)::float8), id)
      WHERE result IN ('fail', 'aborted')`);
    await q.query(`CREATE INDEX job_status_unschedulable ON job_status (owner_id, project_id) WHERE schedule_error IS NOT NULL`);

    await q.query(`ALTER TABLE backup_newest ADD COLUMN writer_interval_s bigint`);
    // the report computes every pair's age: numeric made that the most of its time (a numeric
    // becomes a float8 through its text); epoch seconds keep microseconds as a float8
    await q.query(`ALTER TABLE backup_newest ALTER COLUMN time_stamp TYPE float8`);
    // one row per (owner, project, hostname, backup_name) ever written or backed up: what a writer
    // change and a pair's newest-backup row lock, so that neither misses the other
    await q.query(`
      CREATE TABLE backup_pair_locks (
        owner_id text NOT NULL,
        project_key text NOT NULL,
        hostname text NOT NULL,
        backup_name text NOT NULL,
        CONSTRAINT backup_pair_locks_pkey PRIMARY KEY (owner_id, project_key, hostname, backup_name)
      )`);
    // The pair's lock row, made if need be and locked (FOR UPDATE by a writer change, FOR SHARE
    // when a newest-backup row is made), then the shortest interval of its writers read in the
    // statement after it, which sees whatever a transaction that held the lock committed. Every
    // writer change makes the lock row first, so a lock row this call made means the pair never
    // had a writer: a new pair's first backup stops there.
    await q.query(`
      CREATE FUNCTION freezer_backup_pair_interval(owner text, project text, host text, name text, exclusive boolean) RETURNS bigint LANGUAGE plpgsql AS $fn$
      DECLARE
        shortest bigint;
      BEGIN
        INSERT INTO backup_pair_locks VALUES (owner, project, host, name) ON CONFLICT DO NOTHING;
        IF FOUND AND NOT exclusive THEN
          RETURN NULL;
        END IF;
        IF exclusive THEN
          PERFORM 1 FROM backup_pair_locks
           WHERE owner_id = owner AND project_key = project AND hostname = host AND backup_name = name FOR UPDATE;
        ELSE
          PERFORM 1 FROM backup_pair_locks
           WHERE owner_id = owner AND project_key = project AND hostname = host AND backup_name = name FOR SHARE;
        END IF;
        SELECT min(interval_s) INTO shortest FROM backup_writers
         WHERE owner_id = owner AND project_key = project AND hostname = host AND backup_name = name;
        RETURN shortest;
      END
      $fn$`);
    // a writer change: the pair's newest-backup row, if it has one, takes the new shortest interval
    await q.query(`
      CREATE FUNCTION freezer_backup_pair_refresh(owner text, project text, host text, name text) RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE
        shortest bigint := freezer_backup_pair_interval(owner, project, host, name, true);
      BEGIN
        UPDATE backup_newest SET writer_interval_s = shortest
         WHERE owner_id = owner AND project_key = project AND hostname = host AND backup_name = name
           AND writer_interval_s IS DISTINCT FROM shortest;
      END
      $fn$`);
    await q.query(`
      CREATE FUNCTION freezer_backup_writers_refresh() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          PERFORM freezer_backup_pair_refresh(OLD.owner_id, OLD.project_key, OLD.hostname, OLD.backup_name);
        END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR (OLD.owner_id, OLD.project_key, OLD.hostname, OLD.backup_name)
                                  IS DISTINCT FROM (NEW.owner_id, NEW.project_key, NEW.hostname, NEW.backup_name)) THEN
          PERFORM freezer_backup_pair_refresh(NEW.owner_id, NEW.project_key, NEW.hostname, NEW.backup_name);
        END IF;
        RETURN NULL;
      END
      $fn$`);
    // a newest-backup row just made (a pair's first backup, or the one before a newest that went)
    await q.query(`
      CREATE FUNCTION freezer_backup_newest_made(owner text, project text, host text, name text) RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE
        shortest bigint := freezer_backup_pair_interval(owner, project, host, name, false);
      BEGIN
        IF shortest IS NOT NULL THEN
          UPDATE backup_newest SET writer_interval_s = shortest
           WHERE owner_id = owner AND project_key = project AND hostname = host AND backup_name = name;
        END IF;
      END
      $fn$`);
    await q.query(BACKUP_NEWEST_SYNC);

    // the rows of one job from its job_status row, with its client's hostname as stored now
    await q.query(`
      CREATE FUNCTION freezer_backup_writers_of_job() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        host text;
      BEGIN
        IF TG_OP <> 'DELETE' AND NEW.client_id IS NOT NULL AND NEW.interval_s IS NOT NULL
           AND freezer_job_armed(NEW.status, NEW.event) AND cardinality(NEW.backup_names) > 0 THEN
          SELECT c.doc #>> '{client,hostname}' INTO host FROM clients c
           WHERE c.owner_id = NEW.owner_id AND c.id = NEW.client_id FOR SHARE;
        END IF;
        IF TG_OP <> 'INSERT' THEN
          DELETE FROM backup_writers WHERE owner_id = OLD.owner_id AND job_id = OLD.id;
        END IF;
        IF host IS NOT NULL THEN
          INSERT INTO backup_writers AS w (owner_id, job_id, backup_name, project_key, client_id, hostname, interval_s)
          SELECT NEW.owner_id, NEW.id, n, coalesce(NEW.project_id, ''), NEW.client_id, host, NEW.interval_s
            FROM unnest(NEW.backup_names) AS n
          ON CONFLICT (owner_id, job_id, backup_name) DO UPDATE
            SET project_key = excluded.project_key, client_id = excluded.client_id, hostname = excluded.hostname, interval_s = excluded.interval_s;
        END IF;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER job_status_backup_writers AFTER INSERT OR DELETE ON job_status
      FOR EACH ROW EXECUTE FUNCTION freezer_backup_writers_of_job()`);
    await q.query(`CREATE TRIGGER job_status_backup_writers_changed AFTER UPDATE ON job_status
      FOR EACH ROW WHEN (OLD.interval_s IS DISTINCT FROM NEW.interval_s
                         OR freezer_job_armed(OLD.status, OLD.event) IS DISTINCT FROM freezer_job_armed(NEW.status, NEW.event)
                         OR OLD.backup_names IS DISTINCT FROM NEW.backup_names
                         OR OLD.client_id IS DISTINCT FROM NEW.client_id
                         OR OLD.project_id IS DISTINCT FROM NEW.project_id)
      EXECUTE FUNCTION freezer_backup_writers_of_job()`);

    // a client registered, deleted or given another hostname: the rows of the jobs that name it
    await q.query(`
      CREATE FUNCTION freezer_backup_writers_of_client() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        host text;
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          DELETE FROM backup_writers WHERE owner_id = OLD.owner_id AND client_id = OLD.id;
        END IF;
        IF TG_OP = 'DELETE' THEN
          RETURN NULL;
        END IF;
        host := NEW.doc #>> '{client,hostname}';
        IF host IS NOT NULL THEN
          INSERT INTO backup_writers AS w (owner_id, job_id, backup_name, project_key, client_id, hostname, interval_s)
          SELECT s.owner_id, s.id, n, coalesce(s.project_id, ''), s.client_id, host, s.interval_s
            FROM job_status s CROSS JOIN LATERAL unnest(s.backup_names) AS n
           WHERE s.owner_id = NEW.owner_id AND s.client_id = NEW.id
             AND s.interval_s IS NOT NULL AND freezer_job_armed(s.status, s.event)
          ON CONFLICT (owner_id, job_id, backup_name) DO UPDATE
            SET project_key = excluded.project_key, client_id = excluded.client_id, hostname = excluded.hostname, interval_s = excluded.interval_s;
        END IF;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER clients_backup_writers AFTER INSERT OR DELETE ON clients
      FOR EACH ROW EXECUTE FUNCTION freezer_backup_writers_of_client()`);
    await q.query(`CREATE TRIGGER clients_backup_writers_hostname AFTER UPDATE OF doc ON clients
      FOR EACH ROW WHEN ((OLD.doc #>> '{client,hostname}') IS DISTINCT FROM (NEW.doc #>> '{client,hostname}'))
      EXECUTE FUNCTION freezer_backup_writers_of_client()`);

    // the writers of the jobs already stored, then each pair's shortest interval, in bulk
    await q.query(`
      INSERT INTO backup_writers (owner_id, job_id, backup_name, project_key, client_id, hostname, interval_s)
      SELECT s.owner_id, s.id, n, coalesce(s.project_id, ''), s.client_id, c.doc #>> '{client,hostname}', s.interval_s
        FROM job_status s
        JOIN clients c ON c.owner_id = s.owner_id AND c.id = s.client_id
        CROSS JOIN LATERAL unnest(s.backup_names) AS n
       WHERE s.interval_s IS NOT NULL AND freezer_job_armed(s.status, s.event) AND c.doc #>> '{client,hostname}' IS NOT NULL
      ON CONFLICT DO NOTHING`);
    await q.query(`
      INSERT INTO backup_pair_locks
      SELECT owner_id, project_key, hostname, backup_name FROM backup_newest
       UNION SELECT owner_id, project_key, hostname, backup_name FROM backup_writers`);
    await q.query(`
      UPDATE backup_newest b SET writer_interval_s = w.shortest
        FROM (SELECT owner_id, project_key, hostname, backup_name, min(interval_s) AS shortest FROM backup_writers GROUP BY 1, 2, 3, 4) AS w
       WHERE (b.owner_id, b.project_key, b.hostname, b.backup_name) = (w.owner_id, w.project_key, w.hostname, w.backup_name)
         AND b.writer_interval_s IS DISTINCT FROM w.shortest`);
    await q.query(`CREATE TRIGGER backup_writers_refresh AFTER INSERT OR UPDATE OR DELETE ON backup_writers
      FOR EACH ROW EXECUTE FUNCTION freezer_backup_writers_refresh()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER clients_backup_writers_hostname ON clients`);
    await q.query(`DROP TRIGGER clients_backup_writers ON clients`);
    await q.query(`DROP FUNCTION freezer_backup_writers_of_client()`);
    await q.query(`DROP TRIGGER job_status_backup_writers_changed ON job_status`);
    await q.query(`DROP TRIGGER job_status_backup_writers ON job_status`);
    await q.query(`DROP FUNCTION freezer_backup_writers_of_job()`);
    await q.query(`DROP INDEX job_status_unschedulable`);
    await q.query(`DROP INDEX job_status_failing`);
    await q.query(`DROP INDEX job_status_overdue`);
    await q.query(`DROP INDEX job_status_client`);
    await q.query(PREVIOUS_BACKUP_NEWEST_SYNC);
    await q.query(`DROP TRIGGER backup_writers_refresh ON backup_writers`);
    await q.query(`DROP FUNCTION freezer_backup_writers_refresh()`);
    await q.query(`DROP FUNCTION freezer_backup_pair_refresh(text, text, text, text)`);
    await q.query(`DROP FUNCTION freezer_backup_newest_made(text, text, text, text)`);
    await q.query(`DROP FUNCTION freezer_backup_pair_interval(text, text, text, text, boolean)`);
    await q.query(`DROP TABLE backup_pair_locks`);
    await q.query(`ALTER TABLE backup_newest ALTER COLUMN time_stamp TYPE numeric`);
    await q.query(`ALTER TABLE backup_newest DROP COLUMN writer_interval_s`);
    await q.query(`DROP TABLE backup_writers`);
  }
}

// The newest-backup trigger, now also setting a new pair's writer_interval_s: when its row is made
// (a pair's first backup, or the next newest after the newest went), under the pair's lock.
const BACKUP_NEWEST_SYNC = `
  CREATE OR REPLACE FUNCTION freezer_backup_newest_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
  DECLARE
    host text;
    name text;
    made boolean;
    shortest bigint;
  BEGIN
    IF TG_OP <> 'INSERT' THEN
      host := OLD.doc #>> '{backup_metadata,hostname}';
      name := OLD.doc #>> '{backup_metadata,backup_name}';
      -- only the newest of its group matters; another is a primary-key probe and nothing more
      PERFORM 1 FROM backup_newest
       WHERE owner_id = OLD.owner_id AND project_key = coalesce(OLD.project_id, '')
         AND hostname = host AND backup_name = name AND backup_id = OLD.id;
      IF FOUND THEN
        -- the pair's lock before its row, in the order a writer change takes them
        shortest := freezer_backup_pair_interval(OLD.owner_id, coalesce(OLD.project_id, ''), host, name, false);
        DELETE FROM backup_newest
         WHERE owner_id = OLD.owner_id AND project_key = coalesce(OLD.project_id, '')
           AND hostname = host AND backup_name = name AND backup_id = OLD.id;
        IF FOUND THEN
          INSERT INTO backup_newest (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level, writer_interval_s)
          SELECT b.owner_id, coalesce(b.project_id, ''), host, name, b.id,
                 coalesce(b.time_stamp, extract(epoch FROM b.created_at)), b.doc #> '{backup_metadata,level}', shortest
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
    -- xmax is 0 on a row this statement made, and set on one it updated
    INSERT INTO backup_newest AS n (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level)
    VALUES (NEW.owner_id, coalesce(NEW.project_id, ''), host, name, NEW.id,
            coalesce(NEW.time_stamp, extract(epoch FROM NEW.created_at)), NEW.doc #> '{backup_metadata,level}')
    ON CONFLICT (owner_id, project_key, hostname, backup_name) DO UPDATE
      SET backup_id = excluded.backup_id, time_stamp = excluded.time_stamp, level = excluded.level
      WHERE (excluded.time_stamp, excluded.backup_id) > (n.time_stamp, n.backup_id)
    RETURNING n.xmax = 0 INTO made;
    IF made THEN
      PERFORM freezer_backup_newest_made(NEW.owner_id, coalesce(NEW.project_id, ''), host, name);
    END IF;
    RETURN NULL;
  END
  $fn$`;
