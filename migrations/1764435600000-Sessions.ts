// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions: groups of jobs that start together. Same shape as the other documents; `status` is
 * promoted (a bare `status` search means the session's own, the shallowest one).
 */
export class Sessions1764435600000 implements MigrationInterface {
  name = 'Sessions1764435600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sessions (
        owner_id text NOT NULL,
        id text NOT NULL,
        project_id text,
        user_id text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        doc jsonb NOT NULL,
        status jsonb NOT NULL DEFAULT '[]',
        CONSTRAINT sessions_pkey PRIMARY KEY (owner_id, id)
      )`);
    await q.query(`
      CREATE FUNCTION freezer_sessions_promote() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.status := freezer_key_values(NEW.doc, 'status');
        RETURN NEW;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER sessions_promote BEFORE INSERT OR UPDATE OF doc ON sessions
      FOR EACH ROW EXECUTE FUNCTION freezer_sessions_promote()`);
    await q.query(`CREATE INDEX sessions_owner_project_order ON sessions (owner_id, project_id, created_at, id)`);
    await q.query(`CREATE INDEX sessions_owner_order ON sessions (owner_id, created_at, id)`);
    await q.query(`CREATE INDEX sessions_promoted ON sessions USING gin (status jsonb_path_ops)`);
    await q.query(`CREATE INDEX sessions_leaf_pairs ON sessions USING gin (freezer_leaf_pairs(doc))`);
    await q.query(`CREATE INDEX sessions_doc_text ON sessions USING gin (freezer_doc_text(doc) gin_trgm_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sessions`);
    await q.query(`DROP FUNCTION freezer_sessions_promote()`);
  }
}
