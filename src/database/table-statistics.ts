// SPDX-License-Identifier: Apache-2.0
// Planner statistics of the document tables. Without them PostgreSQL estimates an owner's rows at
// a handful whatever their number, and answers a search by walking all of them in creation order
// instead of reading the search index (a backup name among 34,000 never-analyzed backups: 120 ms
// instead of 0.2 ms). Autovacuum keeps statistics fresh where it runs; a database just restored,
// imported or migrated has none until it gets there, and some installations run without it. This
// analyzes a table once enough of it changed since its last analysis, by whoever.

// Anything that runs SQL: a TypeORM QueryRunner or DataSource, a pg client.
interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

export const DOCUMENT_TABLES = ['backups', 'clients', 'actions', 'jobs', 'sessions'] as const;
// What the protection-status report reads: the next-run refresher rewrites every job_status row
// after a wave of scheduler write-backs, and without fresh statistics the report's plans go wrong.
export const STATUS_TABLES = ['job_status', 'backup_newest', 'backup_writers', 'client_liveness'] as const;
export const KEPT_TABLES: readonly string[] = [...DOCUMENT_TABLES, ...STATUS_TABLES];

// A table is analyzed once this many rows plus this share of its rows changed since its last
// analysis. Above autovacuum's own default (50 rows + 10%), so that where autovacuum runs it gets
// there first and this does nothing; below the growth at which plans go wrong.
export const ANALYZE_MIN_CHANGED_ROWS = 1000;
export const ANALYZE_CHANGED_SHARE = 0.2;

export interface TableActivity {
  table: string;
  // pg_class.reltuples: -1 for a table never analyzed nor vacuumed
  estimatedRows: number;
  changedSinceAnalyze: number;
}

export function needsAnalyze({ estimatedRows, changedSinceAnalyze }: TableActivity): boolean {
  return changedSinceAnalyze >= ANALYZE_MIN_CHANGED_ROWS + ANALYZE_CHANGED_SHARE * Math.max(estimatedRows, 0);
}

export async function tableActivity(db: Queryable, tables: readonly string[] = KEPT_TABLES): Promise<TableActivity[]> {
  const rows = await db.query<Array<{ table: string; estimated_rows: number; changed: string }>>(
    `SELECT s.relname AS table, c.reltuples AS estimated_rows, s.n_mod_since_analyze AS changed
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.schemaname = current_schema() AND s.relname = ANY($1)
      ORDER BY s.relname`,
    [tables],
  );
  return rows.map((row) => ({ table: row.table, estimatedRows: Number(row.estimated_rows), changedSinceAnalyze: Number(row.changed) }));
}

// ANALYZE of one table, then the move of its GIN indexes' pending entries into the indexes proper.
// ANALYZE reads a sample (30,000 rows at the default statistics target: about 10 s for the backups,
// whose indexed expressions it evaluates on every sampled row, however large the table) and takes a
// lock that reads and writes do not wait for. GIN indexes collect new entries in a pending list that
// every search reads through, until autovacuum (or, without it, a write that finds the list over
// gin_pending_list_limit) merges it: after a bulk load, a backup search by name read 4 MB of pending
// entries (70 ms) instead of 1 ms. `table` must be a constant (its name is written into the SQL).
export async function analyzeTable(db: Queryable, table: string): Promise<void> {
  await db.query(`ANALYZE ${table}`);
  await db.query(
    `SELECT gin_clean_pending_list(i.indexrelid)
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
      WHERE i.indrelid = $1::regclass AND a.amname = 'gin'`,
    [table],
  );
}
