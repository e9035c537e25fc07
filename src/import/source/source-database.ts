// SPDX-License-Identifier: Apache-2.0

// One row of the original's tables, as its driver gives it: text, numbers, and dates as the naive
// UTC text the original writes ('YYYY-MM-DD HH:MM:SS[.ffffff]'); booleans are 0/1.
export type SourceRow = Record<string, string | number | null>;

// The original freezer-api's database, read-only. Tables are streamed: never held whole.
export interface SourceDatabase {
  // where it is, without any password
  readonly description: string;
  tables(): Promise<string[]>;
  schemaVersion(): Promise<number | null>;
  count(table: string): Promise<number>;
  // in the table's own order, or by `orderBy` (columns of the table) where it matters
  rows(table: string, columns: readonly string[], orderBy?: readonly string[]): AsyncIterable<SourceRow>;
  close(): Promise<void>;
}

// The original's tables (freezer_api/db/sqlalchemy/models.py): identifiers fixed here, never input.
export const SOURCE_TABLES = ['clients', 'actions', 'sessions', 'jobs', 'backups'] as const;
export type SourceTable = (typeof SOURCE_TABLES)[number];

export function quoteIdentifier(name: string, quote: '`' | '"'): string {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`not a column of the original's schema: ${name}`);
  return `${quote}${name}${quote}`;
}
