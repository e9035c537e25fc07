// SPDX-License-Identifier: Apache-2.0
import type { DataSource } from 'typeorm';

// `--defer-indexes`: the GIN indexes of a table (the search indexes, whose upkeep is most of the cost
// of writing a backup) are dropped for the load and built again at the end, in one pass each, which
// is several times cheaper than growing them row by row. Their definitions are kept in the
// database first, so that an import killed before the end leaves the next run (with or without the
// option) to build them; until then searches are answered without them, correctly but slower.

interface Deferred {
  name: string;
  definition: string;
}

export async function deferIndexes(db: DataSource, table: string, log: (message: string) => void): Promise<void> {
  const indexes: Deferred[] = await db.query(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = $1 AND indexdef ~ ' USING gin '`,
    [table],
  );
  for (const index of indexes) {
    await db.query(
      `INSERT INTO freezer_import_deferred_index (name, definition) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
      [index.name, index.definition],
    );
    // CONCURRENTLY: the API's queries on the table are not stopped while it goes
    await db.query(`DROP INDEX CONCURRENTLY IF EXISTS ${quoted(index.name)}`);
    log(`index ${index.name} dropped for the load`);
  }
}

// Builds every index a run (this one, or an interrupted earlier one) deferred, each in the same
// transaction as the removal of its record.
export async function rebuildDeferredIndexes(db: DataSource, log: (message: string) => void): Promise<void> {
  const deferred: Deferred[] = await db.query(`SELECT name, definition FROM freezer_import_deferred_index ORDER BY name`);
  for (const index of deferred) {
    const started = performance.now();
    // one pass over the table with PostgreSQL's parallel workers: writes to the table wait for it
    // (reads do not); CONCURRENTLY would scan twice and build alone
    await db.transaction(async (em) => {
      await em.query(`SET LOCAL maintenance_work_mem = '256MB'`);
      await em.query(index.definition.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '));
      await em.query(`DELETE FROM freezer_import_deferred_index WHERE name = $1`, [index.name]);
    });
    log(`index ${index.name} built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
