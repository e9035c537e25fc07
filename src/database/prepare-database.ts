// SPDX-License-Identifier: Apache-2.0
import type { Logger } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import type { AppConfig, FreezerScope } from '../config/env.validation.js';
import { buildTypeOrmOptions } from './typeorm.options.js';
import { StartupRefusal } from '../config/startup-refusal.js';
import { DOCUMENT_TABLES } from './table-statistics.js';

export class DatabaseNotReadyError extends StartupRefusal {}

// Any fixed 64-bit number; every process of this service takes the same one.
const MIGRATION_LOCK = 727_318_440_101;
const MIGRATION_LOCK_RETRY_MS = 100;

// Applies pending migrations (D20) and checks the ownership scope (D4), holding a session-level
// advisory lock so that many processes starting at once take turns: the first migrates, the others
// wait, then find nothing pending.
// DB_STATEMENT_TIMEOUT_MS bounds the API's queries, not these: a migration may build an index over
// every row of a catalogue (minutes at millions of backups), and a timeout would stop the start.
export async function prepareDatabase(config: AppConfig, url: string, logger: Logger): Promise<void> {
  const dataSource = new DataSource({ ...buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, url) });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await takeMigrationLock(lock);
    try {
      await migrate(dataSource, config, logger);
      await checkScope(lock, config.scope);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

// Tries the lock every MIGRATION_LOCK_RETRY_MS rather than waiting for it in pg_advisory_lock: a
// statement waiting there holds a snapshot, and CREATE INDEX CONCURRENTLY in the first process's
// migrations waits for every older snapshot to end, so the two would wait for each other for ever.
async function takeMigrationLock(runner: QueryRunner): Promise<void> {
  for (;;) {
    const rows: Array<{ taken: boolean }> = await runner.query('SELECT pg_try_advisory_lock($1) AS taken', [MIGRATION_LOCK]);
    if (rows[0]?.taken) return;
    await new Promise((resolve) => setTimeout(resolve, MIGRATION_LOCK_RETRY_MS));
  }
}

async function migrate(dataSource: DataSource, config: AppConfig, logger: Logger): Promise<void> {
  if (config.migrate === 'off') return;
  if (config.migrate === 'check') {
    if (await dataSource.showMigrations()) {
      throw new DatabaseNotReadyError('DB_MIGRATE=check and the database has pending migrations; run `npm run migration:run`');
    }
    return;
  }
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  for (const migration of applied) logger.log(`Applied migration ${migration.name}`);
  if (applied.length > 0) await analyzeAfterMigrations(dataSource, logger);
}

// A migration may add an index on an expression or rewrite a table, and the planner knows nothing
// of the new expression until the table is analyzed: without this, an upgraded catalogue is
// searched without its new index until autovacuum comes by (or never, where it is off).
async function analyzeAfterMigrations(dataSource: DataSource, logger: Logger): Promise<void> {
  const started = performance.now();
  for (const table of DOCUMENT_TABLES) await dataSource.query(`ANALYZE ${table}`);
  logger.log(`Analyzed ${DOCUMENT_TABLES.join(', ')} after the migrations in ${Math.round(performance.now() - started)} ms`);
}

// The scope decides the unique keys of every table, so a database keeps the scope it was made with.
async function checkScope(runner: QueryRunner, scope: FreezerScope): Promise<void> {
  let rows: Array<{ value: string }>;
  try {
    await runner.query(`INSERT INTO freezer_settings (name, value) VALUES ('scope', $1) ON CONFLICT (name) DO NOTHING`, [scope]);
    rows = await runner.query(`SELECT value FROM freezer_settings WHERE name = 'scope'`);
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') {
      throw new DatabaseNotReadyError('The database has no freezer schema; start with DB_MIGRATE=run or run `npm run migration:run`');
    }
    throw error;
  }
  const recorded = rows[0]?.value;
  if (recorded !== scope) {
    throw new DatabaseNotReadyError(
      `FREEZER_SCOPE is "${scope}" but this database was created with scope "${recorded}"; ` +
        'the scope of an existing database cannot change (start with the recorded scope, or use a new database)',
    );
  }
}
