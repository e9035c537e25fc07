// SPDX-License-Identifier: Apache-2.0
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { ConfigError, validateEnv } from './config/env.validation.js';
import { DataDirectoryLockedError, startEmbeddedPostgres, type EmbeddedPostgres } from './database/embedded-postgres.js';
import { DatabaseNotReadyError, prepareDatabase } from './database/prepare-database.js';

const logger = new Logger('Main');

async function bootstrap(): Promise<void> {
  const started = performance.now();
  const config = validateEnv(process.env);
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    // PGlite serialises its connections; a couple more than the pool covers the start-up steps.
    embedded = await startEmbeddedPostgres(config.dataDir, config.poolSize + 4);
    config.databaseUrl = embedded.url;
    logger.log(`Embedded PostgreSQL on ${embedded.dataDir} (single process; set DATABASE_URL to scale out)`);
  }
  try {
    await prepareDatabase(config, config.databaseUrl, logger);
    const app = await createApp(config);
    // SIGTERM: stop accepting, let in-flight requests finish, close the pool, then the embedded database.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        logger.log(`${signal} received, shutting down`);
        void app
          .close()
          .then(() => embedded?.stop())
          .then(() => process.exit(0), (error: unknown) => {
            logger.error(`Shutdown failed: ${(error as Error).message}`);
            process.exit(1);
          });
      });
    }
    await app.listen(config.port, config.host);
    const url = await app.getUrl();
    logger.log(`Freezer API listening on ${url} (auth ${config.authMode}, scope ${config.scope}) ` +
      `in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

bootstrap().catch((error: unknown) => {
  // Expected refusals get one clear line; anything else its stack.
  if (error instanceof ConfigError || error instanceof DataDirectoryLockedError || error instanceof DatabaseNotReadyError) {
    logger.error(error.message);
  } else {
    logger.error((error as Error).message ?? String(error), (error as Error).stack);
  }
  process.exit(1);
});
