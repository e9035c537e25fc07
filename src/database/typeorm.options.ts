// SPDX-License-Identifier: Apache-2.0
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/env.validation.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations.js';

// The one place that turns configuration into TypeORM options: the app, the start-up migration
// step and the TypeORM CLI all call it, so they cannot drift apart.
export function buildTypeOrmOptions(config: Pick<AppConfig, 'poolSize' | 'statementTimeoutMs'>, url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // PGlite has no uuid-ossp; nothing here needs TypeORM-generated uuids either.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    applicationName: 'freezer-api',
    extra: {
      max: config.poolSize,
      // Bounds the database work of one request (D20); 0 disables it.
      statement_timeout: config.statementTimeoutMs,
      connectionTimeoutMillis: 5_000,
    },
  };
}
