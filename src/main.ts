// SPDX-License-Identifier: Apache-2.0
import 'reflect-metadata';
import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { FreezerLogger } from './common/observability/freezer-logger.js';
import { validateEnv } from './config/env.validation.js';
import { StartupRefusal } from './config/startup-refusal.js';

const logger = new Logger('Main');

// Either serves the API, or (WORKERS > 1) supervises the workers that do. The application is
// imported only where it runs, so that a supervising primary stays small.
async function main(): Promise<void> {
  const started = performance.now();
  const config = validateEnv(process.env);
  // Start-up lines in the same format as the rest (createApp installs the same logger again).
  Logger.overrideLogger(new FreezerLogger(config.logFormat, config.logLevel));
  if (cluster.isPrimary && config.workers > 1) {
    const { superviseWorkers } = await import('./cluster/cluster-primary.js');
    superviseWorkers(config.workers, logger);
    return;
  }
  const { serve } = await import('./serve.js');
  await serve(config, logger, started);
}

main().catch((error: unknown) => {
  // Expected refusals get one clear line; anything else its stack.
  if (error instanceof StartupRefusal) logger.error(error.message);
  else logger.error((error as Error).message ?? String(error), (error as Error).stack);
  process.exit(1);
});
