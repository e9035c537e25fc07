// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What `npm run import` last wrote for each document it brought over from an original freezer-api
 * database: a digest of the document made from the source row, the version it wrote, and the
 * creation time of the row it wrote. A later import compares them to tell a source row that changed
 * (update it) from a document changed through this service since (a conflict, left alone), a
 * document deleted here since from one never imported, and the document it wrote from one deleted
 * and created again here with the same id (which starts again at version 1: only its creation time
 * tells it apart). Rows are never read by the API.
 *
 * The backups trigger is skipped by a writer that computes the promoted columns itself and says so
 * for its transaction (`freezer.promoted_by_writer` = on): the import's bulk path, which writes
 * millions of rows and for which the trigger's PL/pgSQL was most of the cost of a row (~1 ms of
 * ~1.3 ms under load), and the API's backup POST. Every other writer (a PATCH, a hand-made
 * change) leaves the setting unset and the trigger computes the columns.
 */
export class ImportState1764800000000 implements MigrationInterface {
  name = 'ImportState1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE freezer_import_state (
        kind text NOT NULL,
        owner_id text NOT NULL,
        id text NOT NULL,
        source_digest text NOT NULL,
        version integer NOT NULL,
        document_created_at timestamptz NOT NULL,
        source_updated_at timestamptz,
        imported_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT freezer_import_state_pkey PRIMARY KEY (kind, owner_id, id)
      )`);
    await q.query(`DROP TRIGGER backups_promote ON backups`);
    await q.query(`CREATE TRIGGER backups_promote BEFORE INSERT OR UPDATE OF doc ON backups
      FOR EACH ROW WHEN (current_setting('freezer.promoted_by_writer', true) IS DISTINCT FROM 'on')
      EXECUTE FUNCTION freezer_backups_promote()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER backups_promote ON backups`);
    await q.query(`CREATE TRIGGER backups_promote BEFORE INSERT OR UPDATE OF doc ON backups
      FOR EACH ROW EXECUTE FUNCTION freezer_backups_promote()`);
    await q.query(`DROP TABLE freezer_import_state`);
  }
}
