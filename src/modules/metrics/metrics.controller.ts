// SPDX-License-Identifier: Apache-2.0
import cluster from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from '../../common/openapi/error-body.dto.js';
import type { Response } from 'express';
import { clusterMetricsFromPrimary } from '../../cluster/cluster-metrics.js';
import { Public } from '../../common/auth/public.decorator.js';
import { UnauthorizedError } from '../../common/errors/freezer-errors.js';
import { FreezerMetrics } from '../../common/observability/metrics.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import type { AppConfig } from '../../config/env.validation.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

// No Keystone token: Prometheus scrapes with a static bearer token (METRICS_TOKEN) or, without
// one, like the health routes, unauthenticated. Without METRICS_PER_PROJECT it reveals counts and
// timings per route template, never ids or documents; with it, project ids and their protection
// state, which is why that setting requires the token.
@ApiTags('health')
@Public()
@Controller()
export class MetricsController {
  private readonly expected: Buffer | undefined;

  constructor(
    private readonly metrics: FreezerMetrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.expected = config.metricsToken === undefined ? undefined : digest(config.metricsToken);
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics of the service (all its workers)', operationId: 'getMetrics' })
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiBearerAuth()
  @ApiUnauthorizedResponse({ description: 'METRICS_TOKEN is set and the request does not bear it', type: ErrorBodyDto })
  async getMetrics(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    this.checkToken(authorization);
    const text = cluster.isWorker ? await clusterMetricsFromPrimary() : await this.metrics.registry.metrics();
    res.status(200).type(this.metrics.registry.contentType).send(text);
  }

  // compared as digests: constant time whatever the length sent
  private checkToken(authorization: string | undefined): void {
    if (this.expected === undefined) return;
    const sent = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
    if (sent === undefined || !timingSafeEqual(digest(sent), this.expected)) {
      throw new UnauthorizedError('The metrics are read with the bearer token set in METRICS_TOKEN.', { 'WWW-Authenticate': 'Bearer realm="freezer-metrics"' });
    }
  }
}
