// SPDX-License-Identifier: Apache-2.0
import { Global, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { FreezerMetrics, type PoolCounts } from '../../common/observability/metrics.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import type { AppConfig } from '../../config/env.validation.js';
import { pgPoolOf } from '../../database/pg-pool.js';
import { MetricsController } from './metrics.controller.js';

// Global: the request observer, the exception filter and the session service all count here.
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: FreezerMetrics,
      inject: [getDataSourceToken(), APP_CONFIG],
      useFactory: (dataSource: DataSource, config: AppConfig) => new FreezerMetrics(() => pgPoolOf<PoolCounts>(dataSource), config.poolSize),
    },
  ],
  exports: [FreezerMetrics],
})
export class MetricsModule {}
