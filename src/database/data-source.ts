// SPDX-License-Identifier: Apache-2.0
// The data source the TypeORM CLI loads (npm run migration:*). It needs DATABASE_URL: the CLI
// works on a PostgreSQL server, never on the embedded database of a running service.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { validateEnv } from '../config/env.validation.js';
import { buildTypeOrmOptions } from './typeorm.options.js';

const config = validateEnv(process.env);
if (!config.databaseUrl) {
  throw new Error('DATABASE_URL must be set for the TypeORM CLI (postgres://user@host:port/database)');
}

// no statement timeout: the CLI runs migrations, which may build indexes over millions of rows
export default new DataSource(buildTypeOrmOptions({ poolSize: config.poolSize, statementTimeoutMs: 0 }, config.databaseUrl));
