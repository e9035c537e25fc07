// SPDX-License-Identifier: Apache-2.0
// Express middleware that runs before routing, in the order configureApp installs them.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { NotAcceptableError, PayloadTooLargeError } from '../errors/freezer-errors.js';
import { parseJsonBody } from './json-body.js';

export const REQUEST_ID_HEADER = 'x-openstack-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

// D18: every response carries a request id; the caller's is kept (with a req- prefix) when sane.
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get(REQUEST_ID_HEADER);
  let id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : `req-${randomUUID()}`;
  if (!id.startsWith('req-')) id = `req-${id}`;
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

// The id requestId() gave the request ('' before it ran).
export function requestIdOf(res: Response | undefined): string {
  return String(res?.getHeader(REQUEST_ID_HEADER) ?? '');
}

// freezerclient always sends collection URLs with a trailing slash (falcon strips it upstream).
export function stripTrailingSlash(req: Request, _res: Response, next: NextFunction): void {
  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  if (path.length > 1 && path.endsWith('/')) {
    const trimmed = path.replace(/\/+$/, '') || '/';
    req.url = trimmed + (queryAt === -1 ? '' : req.url.slice(queryAt));
  }
  next();
}

// Routes that answer something other than JSON, exempt from the Accept check.
const NON_JSON_PATHS = [/^\/healthcheck$/, /^\/docs(\/|$)/, /^\/metrics$/];

// api/common/middleware.py RequireJSON: an Accept header that excludes JSON gets 406.
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  const accept = req.get('accept');
  if (!accept || NON_JSON_PATHS.some((pattern) => pattern.test(req.path))) return next();
  if (req.accepts(['application/json', 'application/json-home']) === false) return next(new NotAcceptableError());
  next();
}

// Reads every request's body (GET included: list searches travel in it) whatever its Content-Type.
export function jsonBody(limit: number): RequestHandler[] {
  const raw = express.raw({ type: () => true, limit });
  return [
    (req, res, next) =>
      raw(req, res, (error?: unknown) => {
        if ((error as { type?: string } | undefined)?.type === 'entity.too.large') return next(new PayloadTooLargeError(limit));
        next(error);
      }),
    (req, _res, next) => {
      try {
        req.body = Buffer.isBuffer(req.body) ? parseJsonBody(req.body) : undefined;
        next();
      } catch (error) {
        next(error);
      }
    },
  ];
}
