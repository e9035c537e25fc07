// SPDX-License-Identifier: Apache-2.0
import { MysqlSource } from './mysql-source.js';
import { SOURCE_TABLES, type SourceDatabase } from './source-database.js';
import { type SourceLocation, SourceLocationError } from './source-location.js';
import { SqliteSource } from './sqlite-source.js';

// The schema `freezer-manage db sync` makes (sqlalchemy-migrate, migrate_version 3).
const KNOWN_SCHEMA_VERSION = 3;

// Opens the source and checks that it holds the original's schema; a warning for another version.
export async function openSource(location: SourceLocation, warn: (message: string) => void): Promise<SourceDatabase> {
  const source = location.kind === 'mysql' ? new MysqlSource(location.mysql) : new SqliteSource(location.path);
  try {
    const tables = new Set(await source.tables());
    const missing = SOURCE_TABLES.filter((table) => !tables.has(table));
    if (missing.length > 0) {
      throw new SourceLocationError(`${source.description} is not a freezer-api database: no table ${missing.join(', ')}`);
    }
    const version = tables.has('migrate_version') ? await source.schemaVersion() : null;
    if (version !== KNOWN_SCHEMA_VERSION) {
      warn(`${source.description}: schema version ${version ?? 'unknown'} (freezer-api 13 makes ${KNOWN_SCHEMA_VERSION}); importing the columns it has`);
    }
    return source;
  } catch (error) {
    await source.close();
    throw error;
  }
}
