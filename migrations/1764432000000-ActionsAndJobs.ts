// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Actions and jobs, in the shape of backups and clients (owner, id, document, version).
 *
 * The scheduler's poll is the hottest query of the service: the jobs of one client that are not
 * completed. So `client_id`, `status` and `event` are promoted by a trigger (each holds
 * freezer_key_values(doc, key), what a bare-key search compares; `status` and `event` resolve to
 * job_schedule's) and indexed together.
 */
export class ActionsAndJobs1764432000000 implements MigrationInterface {
  name = 'ActionsAndJobs1764432000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE actions (
        owner_id text NOT NULL,
        id text NOT NULL,
        project_id text,
        user_id text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        doc jsonb NOT NULL,
        CONSTRAINT actions_pkey PRIMARY KEY (owner_id, id)
      )`);
    await q.query(`CREATE INDEX actions_owner_project_order ON actions (owner_id, project_id, created_at, id)`);
    await q.query(`CREATE INDEX actions_owner_order ON actions (owner_id, created_at, id)`);
    await q.query(`CREATE INDEX actions_leaf_pairs ON actions USING gin (freezer_leaf_pairs(doc))`);
    await q.query(`CREATE INDEX actions_doc_text ON actions USING gin (freezer_doc_text(doc) gin_trgm_ops)`);

    await q.query(`
      CREATE TABLE jobs (
        owner_id text NOT NULL,
        id text NOT NULL,
        project_id text,
        user_id text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        doc jsonb NOT NULL,
        client_id jsonb NOT NULL DEFAULT '[]',
        status jsonb NOT NULL DEFAULT '[]',
        event jsonb NOT NULL DEFAULT '[]',
        CONSTRAINT jobs_pkey PRIMARY KEY (owner_id, id)
      )`);
    await q.query(`
      CREATE FUNCTION freezer_jobs_promote() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.client_id := freezer_key_values(NEW.doc, 'client_id');
        NEW.status := freezer_key_values(NEW.doc, 'status');
        NEW.event := freezer_key_values(NEW.doc, 'event');
        RETURN NEW;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER jobs_promote BEFORE INSERT OR UPDATE OF doc ON jobs
      FOR EACH ROW EXECUTE FUNCTION freezer_jobs_promote()`);
    await q.query(`CREATE INDEX jobs_owner_project_order ON jobs (owner_id, project_id, created_at, id)`);
    await q.query(`CREATE INDEX jobs_owner_order ON jobs (owner_id, created_at, id)`);
    await q.query(`CREATE INDEX jobs_promoted ON jobs USING gin
      (client_id jsonb_path_ops, status jsonb_path_ops, event jsonb_path_ops)`);
    await q.query(`CREATE INDEX jobs_leaf_pairs ON jobs USING gin (freezer_leaf_pairs(doc))`);
    await q.query(`CREATE INDEX jobs_doc_text ON jobs USING gin (freezer_doc_text(doc) gin_trgm_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE jobs`);
    await q.query(`DROP FUNCTION freezer_jobs_promote()`);
    await q.query(`DROP TABLE actions`);
  }
}
