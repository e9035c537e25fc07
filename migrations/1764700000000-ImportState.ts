// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What `npm run import` last wrote for each document it brought over from an original freezer-api
 * database: a digest of the document made from the source row, and the version it wrote. A later
 * import compares both to tell a source row that changed (update it) from a document changed
 * through this service since (a conflict, left alone), and a document deleted here since from one
 * never imported. Rows are never read by the API.
 */
export class ImportState1764700000000 implements MigrationInterface {
  name = 'ImportState1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE freezer_import_state (
        kind text NOT NULL,
        owner_id text NOT NULL,
        id text NOT NULL,
        source_digest text NOT NULL,
        version integer NOT NULL,
        source_updated_at timestamptz,
        imported_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT freezer_import_state_pkey PRIMARY KEY (kind, owner_id, id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE freezer_import_state`);
  }
}
