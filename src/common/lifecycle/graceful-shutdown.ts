// SPDX-License-Identifier: Apache-2.0
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { INestApplication, Logger } from '@nestjs/common';

export interface ShutdownOptions {
  // longest the whole shutdown may take (SHUTDOWN_TIMEOUT_MS); past it the process exits with 1
  timeoutMs: number;
  logger: Logger;
  // what is released after the application has closed (the embedded database)
  afterClose: () => Promise<void>;
}

// SIGTERM or SIGINT: stop accepting connections, let every request already received finish, close
// the database pool (Nest's app.close(), whose shutdown hook closes TypeORM), run afterClose, exit
// 0. A second signal ends the process at once (Node's default).
//
// A request counts as finished when its handler has answered, not when its connection closed: a
// client that gives up (a load balancer's timeout, a scheduler killed) closes the connection while
// the handler still works, and the pool must not close under it (its next statement would fail
// half-way through what it had begun). So the pool closes once no connection is left (no request
// can come any more) and every handler has answered.
export function exitGracefullyOnSignals(app: INestApplication, options: ShutdownOptions): void {
  const server = app.getHttpServer() as Server;
  const unanswered = new Set<ServerResponse>();
  let closing = false;
  let allAnswered: (() => void) | undefined;
  const answered = (res: ServerResponse): void => {
    unanswered.delete(res);
    if (unanswered.size === 0) allAnswered?.();
  };

  // Prepended, so it runs before Express: the header is in place before any handler answers.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) res.setHeader('Connection', 'close');
    unanswered.add(res);
    // every answer ends with end(), whether or not the client is still there to read it
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: Parameters<ServerResponse['end']>) {
      answered(res);
      return end.apply(this, args);
    } as ServerResponse['end'];
    // A handler that never answers a client gone away would otherwise be waited for forever (and
    // held in memory while the service runs): after the longest a shutdown may wait, it is not.
    res.once('close', () => {
      if (unanswered.has(res)) setTimeout(() => answered(res), options.timeoutMs).unref();
    });
  });

  const everyHandlerAnswered = (): Promise<void> =>
    unanswered.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (allAnswered = resolve));

  const shutdown = (signal: NodeJS.Signals): void => {
    // The other signal while closing (a cluster primary passes on SIGTERM after the terminal's
    // SIGINT) changes nothing; the same signal twice has no listener left and ends the process.
    if (closing) return;
    closing = true;
    options.logger.log(`${signal} received, shutting down`);
    // Node's server.close() closes idle keep-alive connections but keeps busy ones open after their
    // answer, until the keep-alive timeout: answering with Connection: close ends them at once and
    // tells the client to send its next request elsewhere.
    for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close');
    const deadline = setTimeout(() => {
      options.logger.error(
        `Shutdown did not finish within ${options.timeoutMs} ms (SHUTDOWN_TIMEOUT_MS); exiting with ${unanswered.size} request(s) unanswered`,
      );
      process.exit(1);
    }, options.timeoutMs);
    deadline.unref();
    // One turn of the event loop first: requests whose bytes were read together with the signal
    // are parsed and count as in flight, instead of their connections being closed as idle.
    setImmediate(() => {
      // no new connections, and once the last one has closed no new request either; then every
      // handler still at work (its client gone or not) answers before the pool closes
      new Promise<void>((resolve) => server.close(() => resolve()))
        .then(everyHandlerAnswered)
        .then(() => app.close())
        .then(options.afterClose)
        .then(
          () => {
            options.logger.log('Shutdown complete');
            process.exit(0);
          },
          (error: unknown) => {
            options.logger.error(`Shutdown failed: ${(error as Error).message}`);
            process.exit(1);
          },
        );
    });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => shutdown(signal));
}
