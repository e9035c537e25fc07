// SPDX-License-Identifier: Apache-2.0
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../../config/env.validation.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import { RateLimitGuard } from '../http/rate-limit.guard.js';
import { AuthGuard } from './auth.guard.js';
import { AUTH_STRATEGY, type AuthStrategy } from './auth-strategy.js';
import { KeystoneStrategy } from './keystone.strategy.js';
import { NoauthStrategy } from './noauth.strategy.js';
import { loadPolicyFile, PolicyEnforcer } from './policies.js';
import { PolicyGuard } from './policy.guard.js';
import { TrustedHeadersStrategy } from './trusted-headers.strategy.js';

function strategyFor(config: AppConfig): AuthStrategy {
  switch (config.authMode) {
    case 'noauth':
      return new NoauthStrategy();
    case 'trusted-headers':
      return new TrustedHeadersStrategy();
    case 'keystone':
      if (config.keystone === null) throw new Error('AUTH_MODE=keystone without its settings');
      return new KeystoneStrategy(config.keystone);
  }
}

@Global()
@Module({
  providers: [
    { provide: AUTH_STRATEGY, useFactory: strategyFor, inject: [APP_CONFIG] },
    { provide: APP_GUARD, useClass: AuthGuard },
    // after AuthGuard: it counts per authenticated user (Nest runs global guards in this order)
    { provide: APP_GUARD, useClass: RateLimitGuard },
    // the policy file is read and checked here, at boot: a broken one refuses to start
    { provide: PolicyEnforcer, useFactory: (config: AppConfig) => loadPolicyFile(config.policyFile, config.policyDefaults), inject: [APP_CONFIG] },
    // last: it reads the context AuthGuard attached (D16)
    { provide: APP_GUARD, useClass: PolicyGuard },
  ],
  // services check the rules that depend on a request's content (is_central, all_projects)
  exports: [PolicyEnforcer],
})
export class AuthModule {}
