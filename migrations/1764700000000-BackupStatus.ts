// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every backup has a status (creating, available, error, deleting, deleted), as in freezer 2026:
 * a top-level key of the document, `available` unless the writer said otherwise.
 *
 * The trigger that promotes the search columns also adds the default to any backup written without
 * a status, so that every writer keeps the rule: API processes of the previous version still
 * running during an upgrade, and rows written by hand or by an import.
 *
 * The backups already stored get it in batches of BATCH rows, each committed on its own and
 * walked in primary-key order, so that the upgrade holds no lock on the table for long and an
 * interrupted run resumes where it stopped. Each row is a full write (the search columns and
 * indexes follow the document): about twice the cost of writing the backup in the first place.
 */
const BATCH = 2000;

export class BackupStatus1764700000000 implements MigrationInterface {
  name = 'BackupStatus1764700000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(promoteFunction(`
        IF NOT NEW.doc ? 'status' THEN
          NEW.doc := NEW.doc || '{"status": "available"}'::jsonb;
        END IF;`));
    let after: { owner_id: string; id: string } | null = null;
    for (;;) {
      const rows: Array<{ owner_id: string; id: string }> = await q.query(
        `WITH batch AS (
           SELECT owner_id, id FROM backups
            WHERE ($1::text IS NULL OR (owner_id, id) > ($1::text, $2::text))
            ORDER BY owner_id, id LIMIT ${BATCH}
         ), marked AS (
           UPDATE backups b SET doc = b.doc || '{"status": "available"}'::jsonb
             FROM batch WHERE b.owner_id = batch.owner_id AND b.id = batch.id AND NOT b.doc ? 'status'
         )
         SELECT owner_id, id FROM batch ORDER BY owner_id DESC, id DESC LIMIT 1`,
        [after?.owner_id ?? null, after?.id ?? null],
      );
      if (rows.length === 0) break;
      after = rows[0];
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(promoteFunction(''));
    await q.query(`UPDATE backups SET doc = doc - 'status' WHERE doc ? 'status'`);
  }
}

// freezer_backups_promote as BackupsAndClients made it (the same text, so that a down restores it
// exactly), with `prelude` run first.
function promoteFunction(prelude: string): string {
  return `
      CREATE OR REPLACE FUNCTION freezer_backups_promote() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        meta jsonb := NEW.doc -> 'backup_metadata';
        -- a null time_stamp counts as absent, as in a {"key": null} match
        stamp jsonb := coalesce(nullif(meta -> 'time_stamp', 'null'::jsonb), meta -> 'timestamp');
      BEGIN${prelude}
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
      $fn$`;
}
