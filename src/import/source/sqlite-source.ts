// SPDX-License-Identifier: Apache-2.0
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { quoteIdentifier, type SourceDatabase, type SourceRow } from './source-database.js';

// node-sqlite3-wasm: SQLite compiled to WebAssembly, reading the file page by page. No native
// addon, so the same node_modules works on every Node version the service supports.
const require = createRequire(import.meta.url);
const { Database } = require('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');

// The SQLite file of an original run in trial mode.
export class SqliteSource implements SourceDatabase {
  readonly description: string;
  private readonly db: InstanceType<typeof Database>;

  constructor(path: string) {
    if (!existsSync(path)) throw new Error(`No SQLite database at ${path}`);
    this.description = `sqlite ${path}`;
    this.db = new Database(path, { readOnly: true });
  }

  async tables(): Promise<string[]> {
    const rows = this.db.all(`SELECT name FROM sqlite_master WHERE type = 'table'`) as Array<{ name: string }>;
    return rows.map((row) => row.name);
  }

  async schemaVersion(): Promise<number | null> {
    const rows = this.db.all('SELECT version FROM migrate_version') as Array<{ version: number }>;
    return rows[0]?.version ?? null;
  }

  async count(table: string): Promise<number> {
    const row = this.db.get(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(table, '"')}`) as { n: number } | null;
    return Number(row?.n ?? 0);
  }

  async *rows(table: string, columns: readonly string[]): AsyncIterable<SourceRow> {
    const list = columns.map((column) => quoteIdentifier(column, '"')).join(', ');
    const statement = this.db.prepare(`SELECT ${list} FROM ${quoteIdentifier(table, '"')}`);
    try {
      let n = 0;
      for (const row of statement.iterate()) {
        yield row as SourceRow;
        // let the writer's queries progress: the iteration itself is synchronous
        if (++n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      statement.finalize();
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
