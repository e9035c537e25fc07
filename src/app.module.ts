// SPDX-License-Identifier: Apache-2.0
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthModule } from './common/auth/auth.module.js';
import { APP_CONFIG } from './config/app-config.provider.js';
import { ConfigModule } from './config/config.module.js';
import type { AppConfig } from './config/env.validation.js';
import { usePreparedStatements } from './database/prepared-statements.js';
import { buildTypeOrmOptions } from './database/typeorm.options.js';
import { ActionsModule } from './modules/actions/actions.module.js';
import { BackupsModule } from './modules/backups/backups.module.js';
import { ClientsModule } from './modules/clients/clients.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { JobsModule } from './modules/jobs/jobs.module.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { SessionsModule } from './modules/sessions/sessions.module.js';
import { StatisticsModule } from './modules/statistics/statistics.module.js';
import { StatusModule } from './modules/status/status.module.js';
import { VersionsModule } from './modules/versions/versions.module.js';

// `config.databaseUrl` is always set here: main.ts starts the embedded database first when needed.
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (appConfig: AppConfig) => buildTypeOrmOptions(appConfig, appConfig.databaseUrl ?? ''),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            if (config.preparedStatements) usePreparedStatements(dataSource);
            return dataSource;
          },
        }),
        MetricsModule,
        AuthModule,
        VersionsModule,
        HealthModule,
        BackupsModule,
        ClientsModule,
        ActionsModule,
        JobsModule,
        SessionsModule,
        StatisticsModule,
        StatusModule,
      ],
    };
  }
}
