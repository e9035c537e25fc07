// SPDX-License-Identifier: Apache-2.0
import type { NextFunction, Request, Response } from 'express';
import { requestIdOf } from '../http/http-middleware.js';
import type { FreezerLogger } from './freezer-logger.js';
import type { FreezerMetrics } from './metrics.js';

// Requests no route took (404, 405, and refusals before routing such as 406 or 413) share one
// label, so that a scan of random URLs cannot create a metric series per URL.
const UNMATCHED = 'unmatched';

// Counts and times every request by route template, and writes the access log line, once the
// response has been sent (or the connection dropped). Installed after requestId().
export function requestObserver(metrics: FreezerMetrics, logger: FreezerLogger) {
  const accessLog = logger.isEnabled('log');
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    metrics.requestsInFlight.inc();
    // 'close' follows 'finish' on every response, and comes alone when the client went away first.
    res.once('close', () => {
      metrics.requestsInFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // req.route is the route that answered; its path is the template (/v2/:project_id/jobs/:job_id).
      const route = typeof req.route?.path === 'string' ? (req.route.path as string) : UNMATCHED;
      // A request whose client went away before the answer has no status of its own.
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      metrics.requests.inc({ method: req.method, route, status });
      metrics.requestDuration.observe({ method: req.method, route }, seconds);
      if (!accessLog) return;
      logger.event(
        'log',
        'HTTP',
        `${req.method} ${req.path} ${status}`,
        {
          method: req.method,
          path: req.path,
          route,
          status: res.statusCode,
          duration_ms: Math.round(seconds * 1e6) / 1e3,
          remote_addr: req.ip ?? null,
          user_agent: req.get('user-agent') ?? null,
        },
        requestIdOf(res),
      );
    });
    next();
  };
}
