// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { pgPoolOf } from './pg-pool.js';

// The hot paths' statements (get, insert, update of one document, the list of a search) run as
// named statements: PostgreSQL parses and plans each once per connection and then only executes
// it, instead of planning it again on every call (~0.1 ms of database CPU each, more than a
// scheduler's poll takes to execute). Texts are built from constants and placeholders only, never
// from input values; the name is derived from the text. A search's text follows the shape of its
// body (which keys, how many conditions), so clients could make many: past MAX_SHAPES such texts a
// new one runs unnamed, as each name holds memory in every pooled connection for as long as it
// lives. The fixed texts stay named whatever the searches did before them.
const MAX_SHAPES = 100;

interface PgResult {
  rows: unknown[];
}

interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<PgResult>;
}

const enabled = new WeakSet<DataSource>();
const names = new Map<string, string>();
let shapesNamed = 0;

// Called once the data source is made, when DB_PREPARED_STATEMENTS allows it.
export function usePreparedStatements(dataSource: DataSource): void {
  enabled.add(dataSource);
}

function nameOf(text: string, shaped: boolean): string | undefined {
  let name = names.get(text);
  if (name === undefined) {
    if (shaped) {
      if (shapesNamed >= MAX_SHAPES) return undefined;
      shapesNamed++;
    }
    name = `freezer_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

// The pg pool of a data source, or the connection of a transaction's entity manager.
function connectionOf(db: unknown): PgQueryable | undefined {
  if (db instanceof DataSource) {
    return enabled.has(db) ? pgPoolOf<PgQueryable>(db) : undefined;
  }
  if (db instanceof EntityManager && db.queryRunner?.isTransactionActive && enabled.has(db.connection)) {
    return (db.queryRunner as unknown as { databaseConnection?: PgQueryable }).databaseConnection;
  }
  return undefined;
}

type Database = { query(sql: string, params?: unknown[]): Promise<unknown> };

// The rows a statement of a fixed text returns (SELECT, or RETURNING). Without prepared
// statements, through TypeORM, which answers an UPDATE or DELETE with [rows, rowCount].
export function queryRows<T>(db: Database, text: string, values: unknown[]): Promise<T[]> {
  return run<T>(db, text, values, false);
}

// The same for a text that follows the shape of a request (a search): named for the first
// MAX_SHAPES of them only.
export function queryShapedRows<T>(db: Database, text: string, values: unknown[]): Promise<T[]> {
  return run<T>(db, text, values, true);
}

async function run<T>(db: Database, text: string, values: unknown[], shaped: boolean): Promise<T[]> {
  const connection = connectionOf(db);
  const name = connection ? nameOf(text, shaped) : undefined;
  if (connection && name) return (await connection.query({ name, text, values })).rows as T[];
  const result = await db.query(text, values);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
