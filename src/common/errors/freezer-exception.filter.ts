// SPDX-License-Identifier: Apache-2.0
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { requestIdOf } from '../http/http-middleware.js';
import { aboutRequest } from '../observability/freezer-logger.js';
import type { FreezerMetrics } from '../observability/metrics.js';
import { allowedMethods } from '../http/route-table.js';
import { isDatabaseUnavailable, isUniqueViolation } from './database-errors.js';
import {
  DocumentExistsError,
  FreezerError,
  INTERNAL_ERROR_DESCRIPTION,
  INTERNAL_ERROR_TITLE,
  MethodNotAllowedError,
  PayloadTooLargeError,
  RouteNotFoundError,
  ServiceUnavailableError,
  BadDataFormatError,
  UnauthorizedError,
  AccessForbiddenError,
} from './freezer-errors.js';

export interface ErrorBody {
  title: string;
  description: string;
}

// Every error leaves as {"title", "description"} (D3, D19): domain errors as they are, Nest's and
// Express's own errors translated, anything else a logged 500 that reveals nothing.
@Catch()
export class FreezerExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('FreezerExceptionFilter');

  constructor(
    private readonly bodyLimit: number,
    private readonly metrics: FreezerMetrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (res.headersSent) return;
    if (req.method === 'OPTIONS' && this.isRouteNotFound(exception)) {
      this.answerOptions(req, res);
      return;
    }
    const error = this.toFreezerError(exception, req);
    res.status(error.status);
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    // Appended, not set: CORS has already put Origin there, and a cache must keep both apart.
    res.vary('Accept');
    const body: ErrorBody = { title: error.title, description: error.description };
    res.json(body);
  }

  private toFreezerError(exception: unknown, req: Request): FreezerError {
    if (exception instanceof FreezerError) return exception;
    if (this.isRouteNotFound(exception)) {
      const allowed = allowedMethods(req.app, req.path);
      return allowed.length > 0 ? new MethodNotAllowedError(req.method, allowed) : new RouteNotFoundError(req.path);
    }
    if (exception instanceof HttpException) return this.fromHttpException(exception, req);
    const status = (exception as { status?: unknown; statusCode?: unknown } | null)?.status;
    if (status === 413) return new PayloadTooLargeError(this.bodyLimit);
    if (exception instanceof URIError || (status === 400 && exception instanceof Error)) {
      return new BadDataFormatError('The request URL or body could not be decoded');
    }
    if (isUniqueViolation(exception)) return new DocumentExistsError('A document with this id already exists');
    if (isDatabaseUnavailable(exception)) {
      this.metrics.databaseUnavailable.inc();
      this.logger.warn(aboutRequest(requestIdOf(req.res), `database unavailable: ${(exception as Error).message}`));
      return new ServiceUnavailableError('database');
    }
    this.logger.error(aboutRequest(requestIdOf(req.res), `${req.method} ${req.path} failed`), (exception as Error)?.stack ?? String(exception));
    return new FreezerError(500, INTERNAL_ERROR_TITLE, INTERNAL_ERROR_DESCRIPTION);
  }

  private fromHttpException(exception: HttpException, req: Request): FreezerError {
    const status = exception.getStatus();
    switch (status) {
      case 400:
        // Nest wraps the router's URIError ("Failed to decode param '<raw>'"): answer as for a bare one.
        if (exception.cause instanceof URIError) return new BadDataFormatError('The request URL or body could not be decoded');
        return new BadDataFormatError(exception.message);
      case 401:
        return new UnauthorizedError(exception.message);
      case 403:
        return new AccessForbiddenError();
      case 413:
        return new PayloadTooLargeError(this.bodyLimit);
    }
    if (status >= 500) {
      this.logger.error(aboutRequest(requestIdOf(req.res), `${req.method} ${req.path} failed`), exception.stack);
      return new FreezerError(500, INTERNAL_ERROR_TITLE, INTERNAL_ERROR_DESCRIPTION);
    }
    return new FreezerError(status, STATUS_CODES[status] ?? 'Error', exception.message);
  }

  // Nest's own "no route matched" handler throws a bare 404 HttpException; our code never does.
  private isRouteNotFound(exception: unknown): boolean {
    return exception instanceof HttpException && exception.getStatus() === 404;
  }

  private answerOptions(req: Request, res: Response): void {
    const allowed = allowedMethods(req.app, req.path);
    if (allowed.length === 0) {
      const error = new RouteNotFoundError(req.path);
      res.status(404).vary('Accept');
      res.json({ title: error.title, description: error.description });
      return;
    }
    res.setHeader('Allow', [...allowed, 'OPTIONS'].join(', '));
    res.status(200).end(); // falcon answers OPTIONS with 200 and Allow (§2.3)
  }
}
