// SPDX-License-Identifier: Apache-2.0
import cluster from 'node:cluster';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { clusterMetricsFromPrimary } from '../../cluster/cluster-metrics.js';
import { Public } from '../../common/auth/public.decorator.js';
import { FreezerMetrics } from '../../common/observability/metrics.js';

// Public like the health routes: Prometheus scrapes without a Keystone token. It reveals counts
// and timings per route template, never ids or documents; keep it off public networks at the proxy.
@ApiTags('health')
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: FreezerMetrics) {}

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics of the service (all its workers)', operationId: 'getMetrics' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4' })
  async getMetrics(@Res() res: Response): Promise<void> {
    const text = cluster.isWorker ? await clusterMetricsFromPrimary() : await this.metrics.registry.metrics();
    res.status(200).type(this.metrics.registry.contentType).send(text);
  }
}
