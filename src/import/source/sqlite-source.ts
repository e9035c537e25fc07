// SPDX-License-Identifier: Apache-2.0
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { quoteIdentifier, type SourceDatabase, type SourceRow } from './source-database.js';

// node-sqlite3-wasm: SQLite compiled to WebAssembly, reading the file page by page. No native
// addon, so the same node_modules works on every Node version the service supports.
const require = createRequire(import.meta.url);
const { Database } = require('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');

const UTF8 = new TextDecoder('utf-8');

// The original hands its JSON columns to SQLite as bytes (json_encode returns UTF-8 bytes), which
// SQLite keeps as BLOBs whatever the column's type: read them back as the text they are.
function asText(row: Record<string, unknown>): SourceRow {
  for (const [column, value] of Object.entries(row)) if (value instanceof Uint8Array) row[column] = UTF8.decode(value);
  return row as SourceRow;
}

// The SQLite file of an original run in trial mode.
export class SqliteSource implements SourceDatabase {
  readonly description: string;
  private readonly db: InstanceType<typeof Database>;

  constructor(private readonly path: string) {
    if (!existsSync(path)) throw new Error(`No SQLite database at ${path}`);
    this.description = `sqlite ${path}`;
    this.db = new Database(path, { readOnly: true });
  }

  // The WebAssembly build locks with a directory beside the file, which a reader killed outright
  // leaves behind.
  private explained(error: unknown): Error {
    if (/database is locked/.test((error as Error).message ?? '')) {
      return new Error(
        `${this.path} is locked: ${this.path}.lock exists. Another import may be reading it; if none is, ` +
          'an interrupted one left it behind: remove that directory and run the import again',
      );
    }
    return error as Error;
  }

  async tables(): Promise<string[]> {
    try {
      const rows = this.db.all(`SELECT name FROM sqlite_master WHERE type = 'table'`) as Array<{ name: string }>;
      return rows.map((row) => row.name);
    } catch (error) {
      throw this.explained(error);
    }
  }

  async schemaVersion(): Promise<number | null> {
    const rows = this.db.all('SELECT version FROM migrate_version') as Array<{ version: number }>;
    return rows[0]?.version ?? null;
  }

  async count(table: string): Promise<number> {
    const row = this.db.get(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(table, '"')}`) as { n: number } | null;
    return Number(row?.n ?? 0);
  }

  async *rows(table: string, columns: readonly string[], orderBy: readonly string[] = []): AsyncIterable<SourceRow> {
    const list = columns.map((column) => quoteIdentifier(column, '"')).join(', ');
    const order = orderBy.length > 0 ? ` ORDER BY ${orderBy.map((column) => quoteIdentifier(column, '"')).join(', ')}` : '';
    const statement = this.db.prepare(`SELECT ${list} FROM ${quoteIdentifier(table, '"')}${order}`);
    try {
      let n = 0;
      for (const row of statement.iterate()) {
        yield asText(row as Record<string, unknown>);
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
