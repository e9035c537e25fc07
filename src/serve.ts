// SPDX-License-Identifier: Apache-2.0
import type { Logger } from '@nestjs/common';
import cluster from 'node:cluster';
import { createApp } from './app.setup.js';
import { exitGracefullyOnSignals } from './common/lifecycle/graceful-shutdown.js';
import type { AppConfig } from './config/env.validation.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './database/embedded-postgres.js';
import { prepareDatabase } from './database/prepare-database.js';

// One API process: the embedded database when there is no DATABASE_URL, migrations (under an
// advisory lock, so that processes starting together take turns), the application, the port.
export async function serve(config: AppConfig, logger: Logger, started: number): Promise<void> {
  let embedded: EmbeddedPostgres | undefined;
  // A signal before the service listens (a container stopped while it migrates) ends the start at
  // once; node as PID 1 would otherwise ignore SIGTERM until the graceful handler below is in place.
  const stopStarting = (signal: NodeJS.Signals): void => {
    logger.log(`${signal} received while starting; exiting`);
    void Promise.resolve(embedded?.stop()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stopStarting).once('SIGINT', stopStarting);
  if (!config.databaseUrl) {
    // PGlite serialises its connections; a couple more than the pool covers the start-up steps.
    embedded = await startEmbeddedPostgres(config.dataDir, config.poolSize + 4);
    config.databaseUrl = embedded.url;
    // PGlite runs every connection in one backend: statement names would collide between them.
    config.preparedStatements = false;
    logger.log(`Embedded PostgreSQL on ${embedded.dataDir} (single process; set DATABASE_URL to scale out)`);
  }
  try {
    await prepareDatabase(config, config.databaseUrl, logger);
    // A worker whose primary is gone (killed outright) shuts down instead of serving on unsupervised.
    if (cluster.isWorker) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
    const app = await createApp(config);
    process.off('SIGTERM', stopStarting).off('SIGINT', stopStarting);
    exitGracefullyOnSignals(app, { timeoutMs: config.shutdownTimeoutMs, logger, afterClose: async () => embedded?.stop() });
    await app.listen(config.port, config.host);
    const url = await app.getUrl();
    logger.log(`Freezer API listening on ${url} (auth ${config.authMode}, scope ${config.scope}) ` +
      `in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
