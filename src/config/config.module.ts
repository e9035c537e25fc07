// SPDX-License-Identifier: Apache-2.0
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG } from './app-config.provider.js';
import type { AppConfig } from './env.validation.js';

// Makes the validated configuration injectable everywhere (@Inject(APP_CONFIG)).
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}
