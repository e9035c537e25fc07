// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backups and clients. Each row keeps the document exactly as GET returns it (`doc`) and is owned
 * by `owner_id` (the user, or the project in scope `project`: D4); ids are unique per owner.
 *
 * The hot search keys of D10 are promoted into columns by a trigger, so that every writer keeps
 * them true: each holds freezer_key_values(doc, key), the values a bare-key match compares.
 * A multi-column GIN index serves them; a GIN index over every key/value pair serves the other
 * keys, and a trigram index the free-text `_all` search. Backups, the collection that grows to
 * millions, also keep that text in a column: checking a trigram candidate then reads a short
 * string instead of walking the whole document again.
 */
export class BackupsAndClients1764428500000 implements MigrationInterface {
  name = 'BackupsAndClients1764428500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backups (
        owner_id text NOT NULL,
        id text NOT NULL,
        project_id text,
        user_id text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        doc jsonb NOT NULL,
        backup_name jsonb NOT NULL DEFAULT '[]',
        hostname jsonb NOT NULL DEFAULT '[]',
        host_name jsonb NOT NULL DEFAULT '[]',
        container jsonb NOT NULL DEFAULT '[]',
        level jsonb NOT NULL DEFAULT '[]',
        time_stamp numeric,
        search_text text NOT NULL DEFAULT '',
        CONSTRAINT backups_pkey PRIMARY KEY (owner_id, id)
      )`);
    await q.query(`
      CREATE FUNCTION freezer_backups_promote() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        meta jsonb := NEW.doc -> 'backup_metadata';
        -- a null time_stamp counts as absent, as in a {"key": null} match
        stamp jsonb := coalesce(nullif(meta -> 'time_stamp', 'null'::jsonb), meta -> 'timestamp');
      BEGIN
        NEW.backup_name := freezer_key_values(NEW.doc, 'backup_name');
        NEW.hostname := freezer_key_values(NEW.doc, 'hostname');
        NEW.host_name := freezer_key_values(NEW.doc, 'host_name');
        NEW.container := freezer_key_values(NEW.doc, 'container');
        NEW.level := freezer_key_values(NEW.doc, 'level');
        NEW.search_text := freezer_doc_text(NEW.doc);
        -- time_after/time_before read time_stamp, else timestamp, as epoch seconds (D10)
        NEW.time_stamp := CASE
          WHEN jsonb_typeof(stamp) = 'number' THEN (stamp #>> '{}')::numeric
          WHEN jsonb_typeof(stamp) = 'string' AND (stamp #>> '{}') ~ '^\\s*-?[0-9]{1,18}(\\.[0-9]+)?\\s*$' THEN (stamp #>> '{}')::numeric
        END;
        RETURN NEW;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER backups_promote BEFORE INSERT OR UPDATE OF doc ON backups
      FOR EACH ROW EXECUTE FUNCTION freezer_backups_promote()`);
    await q.query(`CREATE INDEX backups_owner_project_order ON backups (owner_id, project_id, created_at, id)`);
    await q.query(`CREATE INDEX backups_owner_order ON backups (owner_id, created_at, id)`);
    await q.query(`CREATE INDEX backups_owner_time_stamp ON backups (owner_id, time_stamp)`);
    await q.query(`CREATE INDEX backups_promoted ON backups USING gin
      (backup_name jsonb_path_ops, hostname jsonb_path_ops, host_name jsonb_path_ops, container jsonb_path_ops, level jsonb_path_ops)`);
    await q.query(`CREATE INDEX backups_leaf_pairs ON backups USING gin (freezer_leaf_pairs(doc))`);
    await q.query(`CREATE INDEX backups_doc_text ON backups USING gin (search_text gin_trgm_ops)`);

    await q.query(`
      CREATE TABLE clients (
        owner_id text NOT NULL,
        id text NOT NULL,
        project_id text,
        user_id text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        doc jsonb NOT NULL,
        client_id jsonb NOT NULL DEFAULT '[]',
        uuid jsonb NOT NULL DEFAULT '[]',
        CONSTRAINT clients_pkey PRIMARY KEY (owner_id, id)
      )`);
    await q.query(`
      CREATE FUNCTION freezer_clients_promote() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.client_id := freezer_key_values(NEW.doc, 'client_id');
        NEW.uuid := freezer_key_values(NEW.doc, 'uuid');
        RETURN NEW;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER clients_promote BEFORE INSERT OR UPDATE OF doc ON clients
      FOR EACH ROW EXECUTE FUNCTION freezer_clients_promote()`);
    await q.query(`CREATE INDEX clients_owner_project_order ON clients (owner_id, project_id, created_at, id)`);
    await q.query(`CREATE INDEX clients_owner_order ON clients (owner_id, created_at, id)`);
    await q.query(`CREATE INDEX clients_promoted ON clients USING gin (client_id jsonb_path_ops, uuid jsonb_path_ops)`);
    await q.query(`CREATE INDEX clients_leaf_pairs ON clients USING gin (freezer_leaf_pairs(doc))`);
    await q.query(`CREATE INDEX clients_doc_text ON clients USING gin (freezer_doc_text(doc) gin_trgm_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE clients`);
    await q.query(`DROP FUNCTION freezer_clients_promote()`);
    await q.query(`DROP TABLE backups`);
    await q.query(`DROP FUNCTION freezer_backups_promote()`);
  }
}
