// SPDX-License-Identifier: Apache-2.0
import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/env.validation.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations.js';

// pg-pool takes its 'error' listener off a client when it hands the client out, and TypeORM puts its
// own on a microtask later. A server that ends the session in between (a FATAL read in the same
// chunk as the end of the connection handshake: a restart or pg_terminate_backend just as the pool
// opened the connection) makes the client emit 'error' with no listener, which crashes the process.
// This listener is there from birth; the client is then no longer queryable, so its next query
// fails with an error answered 503, and the pool drops it when it comes back.
class PooledClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

// The one place that turns configuration into TypeORM options: the app, the start-up migration
// step and the TypeORM CLI all call it, so they cannot drift apart.
export function buildTypeOrmOptions(config: Pick<AppConfig, 'poolSize' | 'statementTimeoutMs'>, url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // one transaction per migration: some build indexes concurrently, outside any (the TypeORM CLI
    // refuses to run them under its default of one transaction for all)
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // PGlite has no uuid-ossp; nothing here needs TypeORM-generated uuids either.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    applicationName: 'freezer-api',
    extra: {
      Client: PooledClient,
      max: config.poolSize,
      // Bounds the database work of one request (D20); 0 disables it.
      statement_timeout: config.statementTimeoutMs,
      connectionTimeoutMillis: 5_000,
    },
  };
}
