// SPDX-License-Identifier: Apache-2.0
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@nestjs/common';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import { serveClusterMetrics } from './cluster-metrics.js';
import { workerExecArgv } from './heap-flags.js';

// A worker that dies this soon after it was started failed to start (a port in use, the database
// gone): replacing it again and again would only fill the log.
const START_GRACE_MS = 10_000;
const MAX_FAILED_STARTS = 3;

// WORKERS > 1: this process only supervises. It starts the workers, which share the listening
// port (the cluster module hands connections round-robin), replaces one that dies, and on SIGTERM
// or SIGINT asks each to shut down gracefully and exits once all have: 0 if every worker did.
export function superviseWorkers(count: number, logger: Logger): void {
  const aggregator: AggregatorRegistry<PrometheusContentType> = new AggregatorRegistry();
  const startedAt = new Map<Worker, number>();
  let failedStarts = 0;
  let stopping = false;
  let exitCode = 0;
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });

  const start = (): void => {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    serveClusterMetrics(worker, aggregator);
    worker.once('listening', () => (failedStarts = 0));
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, stopping ${Object.keys(cluster.workers ?? {}).length} worker(s)`);
    // SIGTERM whatever the signal: a worker that already has SIGINT from the terminal ignores it.
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) worker?.process.kill('SIGTERM');
  };

  cluster.on('exit', (worker, code, signal) => {
    const ranMs = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.log(exitCode === 0 ? 'All workers stopped' : 'All workers stopped, not all cleanly');
        // standard output to a pipe is written asynchronously: exit once that last line is out
        process.stdout.write('', () => process.exit(exitCode));
      }
      return;
    }
    logger.error(`Worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) after ${Math.round(ranMs / 1000)} s; starting another`);
    if (ranMs < START_GRACE_MS && ++failedStarts >= MAX_FAILED_STARTS) {
      logger.error(`${failedStarts} workers in a row failed to start; stopping`);
      exitCode = 1;
      stop('SIGTERM');
      return;
    }
    start();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
  logger.log(`Starting ${count} workers`);
  for (let i = 0; i < count; i++) start();
}
