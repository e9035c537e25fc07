// SPDX-License-Identifier: Apache-2.0
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../../config/env.validation.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import { AuthGuard } from './auth.guard.js';
import { AUTH_STRATEGY, type AuthStrategy } from './auth-strategy.js';
import { NoauthStrategy } from './noauth.strategy.js';
import { TrustedHeadersStrategy } from './trusted-headers.strategy.js';

function strategyFor(config: AppConfig): AuthStrategy {
  switch (config.authMode) {
    case 'noauth':
      return new NoauthStrategy();
    case 'trusted-headers':
      return new TrustedHeadersStrategy();
  }
}

@Module({
  providers: [
    { provide: AUTH_STRATEGY, useFactory: strategyFor, inject: [APP_CONFIG] },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
})
export class AuthModule {}
