// SPDX-License-Identifier: Apache-2.0
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { FreezerExceptionFilter } from './common/errors/freezer-exception.filter.js';
import { jsonBody, requestId, requireJson, stripTrailingSlash } from './common/http/http-middleware.js';
import { answerParserRefusals } from './common/http/parser-refusals.js';
import { securityHeaders } from './common/http/security-headers.js';
import { FreezerLogger } from './common/observability/freezer-logger.js';
import { FreezerMetrics } from './common/observability/metrics.js';
import { requestObserver } from './common/observability/request-observer.js';
import { mountOpenApi } from './common/openapi/openapi.js';
import type { AppConfig } from './config/env.validation.js';

// Builds the application exactly as it serves: main.ts and every e2e test call this, so tests
// exercise the production wiring.
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const logger = new FreezerLogger(config.logFormat, config.logLevel);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // freezer parses bodies itself (any Content-Type, any method); see jsonBody().
    bodyParser: false,
    logger,
    abortOnError: false,
  });
  configureApp(app, config, logger);
  return app;
}

export function configureApp(app: NestExpressApplication, config: AppConfig, logger: FreezerLogger): void {
  app.disable('x-powered-by');
  // The service sends its own strong ETags (D6); Express's would answer 304 on its own.
  app.set('etag', false);
  // ...and res.send() still answers 304 to a matching If-None-Match whenever an ETag is set.
  Object.defineProperty(app.getHttpAdapter().getInstance().request, 'fresh', { configurable: true, get: () => false });
  // Behind a proxy: req.ip, req.protocol, req.secure and req.host then come from X-Forwarded-*
  // (links of GET /, HSTS, the rate limit of public routes), but only from the proxies trusted.
  app.set('trust proxy', config.trustProxy);
  const metrics = app.get(FreezerMetrics);
  answerParserRefusals(app.getHttpServer(), metrics, logger);
  app.use(requestId, requestObserver(metrics, logger), securityHeaders, stripTrailingSlash);
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      exposedHeaders: ['x-openstack-request-id', 'ETag', 'Retry-After'],
      allowedHeaders: ['Content-Type', 'Accept', 'X-Auth-Token', 'X-Openstack-Request-Id', 'If-Match'],
      // a browser may reuse a preflight answer for 10 minutes instead of asking before every call
      maxAge: 600,
    });
  }
  app.use(requireJson, ...jsonBody(config.bodyLimit));
  app.useGlobalFilters(new FreezerExceptionFilter(config.bodyLimit, metrics));
  mountOpenApi(app);
}
