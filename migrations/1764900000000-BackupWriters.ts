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
 *   refreshed by a trigger on backup_writers under the lock of the pair's row. A pair that has
 *   writers but no backup yet has a row without a backup (backup_id NULL), which its first backup
 *   fills in: the newest-backup trigger never reads the writers, so a backup POST costs what it did.
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
    // a pair with writers but no backup yet has a row too, with no backup (backup_id NULL, time
    // stamp -Infinity): the row a writer change locks, and the one the pair's first backup fills in
    await q.query(`ALTER TABLE backup_newest ALTER COLUMN backup_id DROP NOT NULL`);
    // A writer change: the pair's row, made if need be and locked, then the shortest interval of its
    // writers read in the statement after the lock, which sees whatever a transaction that held
    // the row committed. A first backup of the pair made meanwhile waits for this row (its INSERT
    // meets it) or this waits for that backup's row (the INSERT here meets it): neither misses the other.
    await q.query(`
      CREATE FUNCTION freezer_backup_pair_refresh(owner text, project text, host text, name text) RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE
        shortest bigint;
      BEGIN
        INSERT INTO backup_newest (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level)
        VALUES (owner, project, host, name, NULL, '-Infinity', NULL)
        ON CONFLICT DO NOTHING;
        PERFORM 1 FROM backup_newest
         WHERE owner_id = owner AND project_key = project AND hostname = host AND backup_name = name FOR UPDATE;
        SELECT min(interval_s) INTO shortest FROM backup_writers
         WHERE owner_id = owner AND project_key = project AND hostname = host AND backup_name = name;
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
        -- a key too long for the index is left out, as the newest-backup trigger leaves it out
        IF length(host) <= 255 THEN
          INSERT INTO backup_writers AS w (owner_id, job_id, backup_name, project_key, client_id, hostname, interval_s)
          SELECT NEW.owner_id, NEW.id, n, coalesce(NEW.project_id, ''), NEW.client_id, host, NEW.interval_s
            FROM unnest(NEW.backup_names) AS n
           WHERE length(n) <= 255
          ON CONFLICT (owner_id, job_id, backup_name) DO UPDATE
            SET project_key = excluded.project_key, client_id = excluded.client_id, hostname = excluded.hostname, interval_s = excluded.interval_s;
        END IF;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER job_status_backup_writers AFTER INSERT OR DELETE ON job_status
      FOR EACH ROW EXECUTE FUNCTION freezer_backup_writers_of_job()`);
    // the next-run refresher rewrites thousands of rows at once and keeps their writers itself, in
    // bulk (freezer_backup_writers_of_jobs), saying so for its transaction
    await q.query(`CREATE TRIGGER job_status_backup_writers_changed AFTER UPDATE ON job_status
      FOR EACH ROW WHEN ((OLD.interval_s IS DISTINCT FROM NEW.interval_s
                          OR freezer_job_armed(OLD.status, OLD.event) IS DISTINCT FROM freezer_job_armed(NEW.status, NEW.event)
                          OR OLD.backup_names IS DISTINCT FROM NEW.backup_names
                          OR OLD.client_id IS DISTINCT FROM NEW.client_id
                          OR OLD.project_id IS DISTINCT FROM NEW.project_id)
                         AND current_setting('freezer.writers_in_bulk', true) IS DISTINCT FROM 'on')
      EXECUTE FUNCTION freezer_backup_writers_of_job()`);
    // the writers of many jobs at once: their clients locked, then their pairs, each in key order
    await q.query(`
      CREATE FUNCTION freezer_backup_writers_of_jobs(owners text[], ids text[]) RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE
        -- the pairs whose writers changed: those of the rows removed, then of the rows made
        p_owner text[];
        p_project text[];
        p_host text[];
        p_name text[];
        m_owner text[];
        m_project text[];
        m_host text[];
        m_name text[];
      BEGIN
        PERFORM 1 FROM clients c
         WHERE (c.owner_id, c.id) IN (SELECT s.owner_id, s.client_id FROM job_status s JOIN unnest(owners, ids) AS k(o, i) ON s.owner_id = k.o AND s.id = k.i)
         ORDER BY c.owner_id, c.id FOR SHARE;
        WITH gone AS (
          DELETE FROM backup_writers w USING unnest(owners, ids) AS k(o, i) WHERE w.owner_id = k.o AND w.job_id = k.i
          RETURNING w.owner_id, w.project_key, w.hostname, w.backup_name)
        SELECT array_agg(owner_id), array_agg(project_key), array_agg(hostname), array_agg(backup_name)
          INTO p_owner, p_project, p_host, p_name FROM gone;
        WITH made AS (
          INSERT INTO backup_writers (owner_id, job_id, backup_name, project_key, client_id, hostname, interval_s)
          SELECT s.owner_id, s.id, n, coalesce(s.project_id, ''), s.client_id, c.doc #>> '{client,hostname}', s.interval_s
            FROM unnest(owners, ids) AS k(o, i)
            JOIN job_status s ON s.owner_id = k.o AND s.id = k.i
            JOIN clients c ON c.owner_id = s.owner_id AND c.id = s.client_id
            CROSS JOIN LATERAL unnest(s.backup_names) AS n
           WHERE s.interval_s IS NOT NULL AND freezer_job_armed(s.status, s.event)
             AND length(c.doc #>> '{client,hostname}') <= 255 AND length(n) <= 255
          ON CONFLICT DO NOTHING
          RETURNING owner_id, project_key, hostname, backup_name)
        SELECT array_agg(owner_id), array_agg(project_key), array_agg(hostname), array_agg(backup_name)
          INTO m_owner, m_project, m_host, m_name FROM made;
        p_owner := p_owner || m_owner;
        p_project := p_project || m_project;
        p_host := p_host || m_host;
        p_name := p_name || m_name;
        IF p_owner IS NULL THEN
          RETURN;
        END IF;
        INSERT INTO backup_newest (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level)
        SELECT DISTINCT o, p, h, n, NULL::text, '-Infinity'::float8, NULL::jsonb
          FROM unnest(p_owner, p_project, p_host, p_name) AS t(o, p, h, n) ORDER BY 1, 2, 3, 4
        ON CONFLICT DO NOTHING;
        PERFORM 1 FROM backup_newest b
         WHERE (b.owner_id, b.project_key, b.hostname, b.backup_name) IN (SELECT * FROM unnest(p_owner, p_project, p_host, p_name))
         ORDER BY b.owner_id, b.project_key, b.hostname, b.backup_name FOR UPDATE;
        UPDATE backup_newest b SET writer_interval_s = m.shortest
          FROM (SELECT t.o, t.p, t.h, t.n,
                       (SELECT min(w.interval_s) FROM backup_writers w
                         WHERE w.owner_id = t.o AND w.project_key = t.p AND w.hostname = t.h AND w.backup_name = t.n) AS shortest
                  FROM (SELECT DISTINCT * FROM unnest(p_owner, p_project, p_host, p_name) AS u(o, p, h, n)) AS t) AS m
         WHERE b.owner_id = m.o AND b.project_key = m.p AND b.hostname = m.h AND b.backup_name = m.n
           AND b.writer_interval_s IS DISTINCT FROM m.shortest;
      END
      $fn$`);

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
        IF length(host) <= 255 THEN
          INSERT INTO backup_writers AS w (owner_id, job_id, backup_name, project_key, client_id, hostname, interval_s)
          SELECT s.owner_id, s.id, n, coalesce(s.project_id, ''), s.client_id, host, s.interval_s
            FROM job_status s CROSS JOIN LATERAL unnest(s.backup_names) AS n
           WHERE s.owner_id = NEW.owner_id AND s.client_id = NEW.id AND length(n) <= 255
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
       WHERE s.interval_s IS NOT NULL AND freezer_job_armed(s.status, s.event)
         AND length(c.doc #>> '{client,hostname}') <= 255 AND length(n) <= 255
      ON CONFLICT DO NOTHING`);
    await q.query(`
      INSERT INTO backup_newest (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level)
      SELECT DISTINCT owner_id, project_key, hostname, backup_name, NULL::text, '-Infinity'::float8, NULL::jsonb FROM backup_writers
      ON CONFLICT DO NOTHING`);
    await q.query(`
      UPDATE backup_newest b SET writer_interval_s = w.shortest
        FROM (SELECT owner_id, project_key, hostname, backup_name, min(interval_s) AS shortest FROM backup_writers GROUP BY 1, 2, 3, 4) AS w
       WHERE (b.owner_id, b.project_key, b.hostname, b.backup_name) = (w.owner_id, w.project_key, w.hostname, w.backup_name)
         AND b.writer_interval_s IS DISTINCT FROM w.shortest`);
    await q.query(`CREATE TRIGGER backup_writers_refresh AFTER INSERT OR UPDATE OR DELETE ON backup_writers
      FOR EACH ROW WHEN (current_setting('freezer.writers_in_bulk', true) IS DISTINCT FROM 'on')
      EXECUTE FUNCTION freezer_backup_writers_refresh()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER clients_backup_writers_hostname ON clients`);
    await q.query(`DROP TRIGGER clients_backup_writers ON clients`);
    await q.query(`DROP FUNCTION freezer_backup_writers_of_client()`);
    await q.query(`DROP FUNCTION freezer_backup_writers_of_jobs(text[], text[])`);
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
    await q.query(`DELETE FROM backup_newest WHERE backup_id IS NULL`);
    await q.query(`ALTER TABLE backup_newest ALTER COLUMN backup_id SET NOT NULL`);
    await q.query(`ALTER TABLE backup_newest ALTER COLUMN time_stamp TYPE numeric`);
    await q.query(`ALTER TABLE backup_newest DROP COLUMN writer_interval_s`);
    await q.query(`DROP TABLE backup_writers`);
  }
}

// The newest-backup trigger, now keeping the pair's row when its newest backup goes (the next
// newest takes its place, or none: the row then waits for the pair's next backup with its writers'
// interval), where it deleted it before.
const BACKUP_NEWEST_SYNC = `
  CREATE OR REPLACE FUNCTION freezer_backup_newest_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
  DECLARE
    host text;
    name text;
    next_id text;
    next_time_stamp float8;
    next_level jsonb;
  BEGIN
    IF TG_OP <> 'INSERT' THEN
      host := OLD.doc #>> '{backup_metadata,hostname}';
      name := OLD.doc #>> '{backup_metadata,backup_name}';
      -- only the newest of its group matters; another is a primary-key probe and nothing more
      PERFORM 1 FROM backup_newest
       WHERE owner_id = OLD.owner_id AND project_key = coalesce(OLD.project_id, '')
         AND hostname = host AND backup_name = name AND backup_id = OLD.id
         FOR UPDATE;
      IF FOUND THEN
        SELECT b.id, coalesce(b.time_stamp, extract(epoch FROM b.created_at)), b.doc #> '{backup_metadata,level}'
          INTO next_id, next_time_stamp, next_level
          FROM backups b
         WHERE b.owner_id = OLD.owner_id AND b.project_id IS NOT DISTINCT FROM OLD.project_id
           AND b.hostname @> jsonb_build_array(OLD.doc #> '{backup_metadata,hostname}')
           AND b.backup_name @> jsonb_build_array(OLD.doc #> '{backup_metadata,backup_name}')
           AND b.doc #>> '{backup_metadata,hostname}' = host AND b.doc #>> '{backup_metadata,backup_name}' = name
           AND coalesce(b.doc ->> 'status', 'available') = 'available'
         ORDER BY coalesce(b.time_stamp, extract(epoch FROM b.created_at)) DESC, b.id DESC
         LIMIT 1;
        UPDATE backup_newest SET backup_id = next_id, time_stamp = coalesce(next_time_stamp, '-Infinity'), level = next_level
         WHERE owner_id = OLD.owner_id AND project_key = coalesce(OLD.project_id, '')
           AND hostname = host AND backup_name = name;
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
    -- a row without a backup (time stamp -Infinity) takes any
    INSERT INTO backup_newest AS n (owner_id, project_key, hostname, backup_name, backup_id, time_stamp, level)
    VALUES (NEW.owner_id, coalesce(NEW.project_id, ''), host, name, NEW.id,
            coalesce(NEW.time_stamp, extract(epoch FROM NEW.created_at)), NEW.doc #> '{backup_metadata,level}')
    ON CONFLICT (owner_id, project_key, hostname, backup_name) DO UPDATE
      SET backup_id = excluded.backup_id, time_stamp = excluded.time_stamp, level = excluded.level
      WHERE (excluded.time_stamp, excluded.backup_id) > (n.time_stamp, n.backup_id);
    RETURN NULL;
  END
  $fn$`;
