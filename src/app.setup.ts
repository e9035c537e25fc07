// SPDX-License-Identifier: Apache-2.0
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { FreezerExceptionFilter } from './common/errors/freezer-exception.filter.js';
import { jsonBody, requestId, requireJson, stripTrailingSlash } from './common/http/http-middleware.js';
import { securityHeaders } from './common/http/security-headers.js';
import { mountOpenApi } from './common/openapi/openapi.js';
import type { AppConfig } from './config/env.validation.js';
import { enabledLogLevels } from './config/log-levels.js';

// Builds the application exactly as it serves: main.ts and every e2e test call this, so tests
// exercise the production wiring.
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // freezer parses bodies itself (any Content-Type, any method); see jsonBody().
    bodyParser: false,
    logger: enabledLogLevels(config.logLevel),
    abortOnError: false,
  });
  configureApp(app, config);
  return app;
}

export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.disable('x-powered-by');
  // The service sends its own strong ETags (D6); Express's would answer 304 on its own.
  app.set('etag', false);
  // ...and res.send() still answers 304 to a matching If-None-Match whenever an ETag is set.
  Object.defineProperty(app.getHttpAdapter().getInstance().request, 'fresh', { configurable: true, get: () => false });
  // Behind a proxy: req.ip, req.protocol, req.secure and req.host then come from X-Forwarded-*
  // (links of GET /, HSTS, the rate limit of public routes), but only from the proxies trusted.
  app.set('trust proxy', config.trustProxy);
  app.use(requestId, securityHeaders, stripTrailingSlash);
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
  app.useGlobalFilters(new FreezerExceptionFilter(config.bodyLimit));
  mountOpenApi(app);
}
