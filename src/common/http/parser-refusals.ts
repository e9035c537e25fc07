// SPDX-License-Identifier: Apache-2.0
// Requests Node's HTTP parser refuses never reach Express: raw bytes that are not allowed in a URL,
// a malformed header line, headers over Node's size limit, a request that takes too long to
// arrive. Node would answer a bare status line with an empty body; these get the same JSON error
// body, request id and security headers as every other refusal, and are counted and logged.
import { randomUUID } from 'node:crypto';
import http, { type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FreezerError } from '../errors/freezer-errors.js';
import type { FreezerLogger } from '../observability/freezer-logger.js';
import type { FreezerMetrics } from '../observability/metrics.js';
import { REQUEST_ID_HEADER } from './http-middleware.js';
import { API_CSP } from './security-headers.js';

// What was wrong, as a metric label (a small fixed set, whatever the client sends).
export type RefusalReason = 'request_line' | 'header' | 'headers_too_large' | 'body_framing' | 'timeout' | 'malformed';

interface Refusal {
  reason: RefusalReason;
  error: FreezerError;
}

const badRequest = (description: string) => new FreezerError(400, 'Bad Request', description);

// llhttp's error codes (err.code), grouped; any other HPE_ code is a malformed request.
const REFUSALS: Record<string, () => Refusal> = {
  HPE_INVALID_URL: () => ({
    reason: 'request_line',
    error: badRequest('The request URL contains a character that is not allowed; percent-encode it'),
  }),
  HPE_INVALID_METHOD: () => ({ reason: 'request_line', error: badRequest('The request method is not valid') }),
  HPE_INVALID_VERSION: () => ({ reason: 'request_line', error: badRequest('The HTTP version of the request is not valid') }),
  HPE_INVALID_CONSTANT: () => ({ reason: 'request_line', error: badRequest('The request line is malformed') }),
  HPE_INVALID_HEADER_TOKEN: () => ({
    reason: 'header',
    error: badRequest('A header line is malformed or contains a character that is not allowed'),
  }),
  HPE_HEADER_OVERFLOW: () => ({
    reason: 'headers_too_large',
    error: new FreezerError(431, 'Request Header Fields Too Large', `The request line and headers are larger than ${http.maxHeaderSize} bytes`),
  }),
  HPE_INVALID_CONTENT_LENGTH: () => ({ reason: 'body_framing', error: badRequest('The Content-Length header is not valid') }),
  HPE_UNEXPECTED_CONTENT_LENGTH: () => ({ reason: 'body_framing', error: badRequest('Content-Length cannot come with Transfer-Encoding') }),
  HPE_INVALID_TRANSFER_ENCODING: () => ({ reason: 'body_framing', error: badRequest('The Transfer-Encoding header is not valid') }),
  HPE_INVALID_CHUNK_SIZE: () => ({ reason: 'body_framing', error: badRequest('The chunked request body is malformed') }),
  HPE_STRICT: () => ({ reason: 'body_framing', error: badRequest('The chunked request body is malformed') }),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: () => ({
    reason: 'body_framing',
    error: new FreezerError(413, 'Payload Too Large', 'The chunk extensions of the request body are too large'),
  }),
  ERR_HTTP_REQUEST_TIMEOUT: () => ({
    reason: 'timeout',
    error: new FreezerError(408, 'Request Timeout', 'The request was not received in time'),
  }),
};

function refusalFor(code: string | undefined): Refusal | null {
  if (code !== undefined && code in REFUSALS) return REFUSALS[code]();
  if (code?.startsWith('HPE_')) return { reason: 'malformed', error: badRequest('The request is not valid HTTP') };
  return null; // a socket error (ECONNRESET, ...): the client is gone, there is nobody to answer
}

// The labels of these requests in freezer_http_requests_total: neither method nor path is known.
const UNKNOWN_METHOD = 'unknown';
const UNPARSED_ROUTE = 'unparsed';

// How long a refused connection is still read from before it is closed (see closeAfter).
const LINGER_MS = 2000;

export function answerParserRefusals(server: http.Server, metrics: FreezerMetrics, logger: FreezerLogger): void {
  // The responses not yet sent on each connection, to tell whether the refused bytes belong to a
  // request being answered or to one pipelined after it.
  const unfinished = new WeakMap<Socket, Set<ServerResponse>>();
  server.on('request', (req: http.IncomingMessage, res: ServerResponse) => {
    let pending = unfinished.get(req.socket);
    if (!pending) unfinished.set(req.socket, (pending = new Set()));
    pending.add(res);
    res.once('close', () => pending.delete(res));
  });
  // Node reports the same broken connection again for every later chunk it reads from it.
  const refused = new WeakSet<Socket>();

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (refused.has(socket)) return;
    refused.add(socket);
    const refusal = refusalFor(err.code);
    if (refusal === null || !socket.writable) {
      socket.destroy();
      return;
    }
    const answer = (): void => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const requestId = `req-${randomUUID()}`;
      closeAfter(socket, responseBytes(refusal.error, requestId));
      const status = String(refusal.error.status);
      metrics.parserRefusals.inc({ reason: refusal.reason, status });
      // in the request totals too, so that error rates drawn from them include these
      metrics.requests.inc({ method: UNKNOWN_METHOD, route: UNPARSED_ROUTE, status });
      logger.event(
        'log',
        'HTTP',
        `refused before parsing: ${refusal.error.status} ${err.code}`,
        { status: refusal.error.status, reason: refusal.reason, code: err.code ?? null, remote_addr: socket.remoteAddress ?? null },
        requestId,
      );
    };
    const pending = [...(unfinished.get(socket) ?? [])];
    const cut = pending.find((res) => !res.req.complete);
    if (cut !== undefined) {
      // The error broke this request's own body: answer it, unless its answer has begun.
      if (cut.headersSent) socket.destroy();
      else answer();
    } else if (pending.length > 0) {
      // A pipelined request behind complete ones: their answers go first, in order.
      let left = pending.length;
      for (const res of pending) res.once('close', () => --left === 0 && answer());
    } else {
      answer();
    }
  });
}

function responseBytes(error: FreezerError, requestId: string): Buffer {
  const body = Buffer.from(JSON.stringify({ title: error.title, description: error.description }));
  const headers = [
    `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status] ?? error.title}`,
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    'X-Content-Type-Options: nosniff',
    'X-Frame-Options: DENY',
    'Referrer-Policy: no-referrer',
    `Content-Security-Policy: ${API_CSP}`,
    'Cache-Control: no-store',
    `Date: ${new Date().toUTCString()}`,
    'Connection: close',
  ];
  return Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

// Sends the answer and half-closes, then reads and drops whatever the client still sends (the
// rest of oversized headers, a body) until it closes too, for at most LINGER_MS: closing with
// unread bytes makes the kernel reset the connection, and the client could lose the answer.
function closeAfter(socket: Socket, bytes: Buffer): void {
  socket.end(bytes);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
}
