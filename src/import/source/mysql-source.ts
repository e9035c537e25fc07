// SPDX-License-Identifier: Apache-2.0
import mysql from 'mysql2';
import { quoteIdentifier, type SourceDatabase, type SourceRow } from './source-database.js';

export interface MysqlLocation {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  socketPath?: string;
}

// A MySQL or MariaDB database of the original (SQLAlchemy + PyMySQL). Rows are streamed with
// back-pressure; dates stay the naive UTC text the original stored.
export class MysqlSource implements SourceDatabase {
  readonly description: string;
  private readonly connection: mysql.Connection;

  constructor(location: MysqlLocation) {
    const where = location.socketPath ?? `${location.host}:${location.port}`;
    this.description = `mysql ${location.user}@${where}/${location.database}`;
    this.connection = mysql.createConnection({
      host: location.host,
      port: location.port,
      user: location.user,
      password: location.password,
      database: location.database,
      socketPath: location.socketPath,
      // the tables are utf8mb3 and the JSON in them ASCII; utf8mb4 reads both unchanged
      charset: 'utf8mb4',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
  }

  private async query<T>(sql: string): Promise<T[]> {
    const [rows] = await this.connection.promise().query(sql);
    return rows as T[];
  }

  async tables(): Promise<string[]> {
    const rows = await this.query<Record<string, string>>('SHOW TABLES');
    return rows.map((row) => String(Object.values(row)[0]));
  }

  async schemaVersion(): Promise<number | null> {
    const rows = await this.query<{ version: number }>('SELECT version FROM migrate_version');
    return rows[0]?.version ?? null;
  }

  async count(table: string): Promise<number> {
    const rows = await this.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(table, '`')}`);
    return Number(rows[0]?.n ?? 0);
  }

  async *rows(table: string, columns: readonly string[], orderBy: readonly string[] = []): AsyncIterable<SourceRow> {
    const list = columns.map((column) => quoteIdentifier(column, '`')).join(', ');
    const order = orderBy.length > 0 ? ` ORDER BY ${orderBy.map((column) => quoteIdentifier(column, '`')).join(', ')}` : '';
    const stream = this.connection.query(`SELECT ${list} FROM ${quoteIdentifier(table, '`')}${order}`).stream({ highWaterMark: 1000 });
    for await (const row of stream) yield row as SourceRow;
  }

  async close(): Promise<void> {
    await this.connection.promise().end();
  }
}
