// SPDX-License-Identifier: Apache-2.0
import cluster from 'node:cluster';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { exposeToPrimary } from '../../cluster/cluster-metrics.js';

// The pool's counts as pg.Pool exposes them.
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

// Every metric the service exposes at /metrics, in one registry per application instance (the
// e2e tests run many in one process; a global registry would refuse the second).
export class FreezerMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'freezer_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'freezer_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its response, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly requestsInFlight = new Gauge({
    name: 'freezer_http_requests_in_flight',
    help: 'Requests received and not yet answered',
    registers: [this.registry],
  });

  readonly parserRefusals = new Counter({
    name: 'freezer_http_parser_refusals_total',
    help: 'Requests refused before they could be parsed (malformed request line or headers, headers too large, timeouts), by reason and status code',
    labelNames: ['reason', 'status'] as const,
    registers: [this.registry],
  });

  readonly sessionActions = new Counter({
    name: 'freezer_session_actions_total',
    help: 'Session start and end actions, by action and result (success, hold-off, out-of-sync, ...)',
    labelNames: ['action', 'result'] as const,
    registers: [this.registry],
  });

  readonly databaseUnavailable = new Counter({
    name: 'freezer_database_unavailable_total',
    help: 'Requests answered 503 because the database could not be reached',
    registers: [this.registry],
  });

  constructor(pool: () => PoolCounts | undefined, poolMax: number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'freezer_' });
    // In a cluster worker, this is the registry the primary collects (see cluster-metrics.ts).
    if (cluster.isWorker) exposeToPrimary(this.registry);
    const connections = new Gauge({
      name: 'freezer_db_pool_connections',
      help: 'Database connections of this process, by state (busy: lent to a request)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const counts = pool();
        connections.set({ state: 'idle' }, counts?.idleCount ?? 0);
        connections.set({ state: 'busy' }, counts ? counts.totalCount - counts.idleCount : 0);
      },
    });
    const waiting = new Gauge({
      name: 'freezer_db_pool_waiting_requests',
      help: 'Queries waiting for a free database connection',
      registers: [this.registry],
      collect() {
        waiting.set(pool()?.waitingCount ?? 0);
      },
    });
    new Gauge({ name: 'freezer_db_pool_max_connections', help: 'DB_POOL_SIZE', registers: [this.registry] }).set(poolMax);
  }
}
