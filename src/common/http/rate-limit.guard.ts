// SPDX-License-Identifier: Apache-2.0
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/env.validation.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import type { RequestWithState } from '../auth/request-context.decorator.js';
import { TooManyRequestsError } from '../errors/freezer-errors.js';
import { RateLimiter } from './rate-limiter.js';

// RATE_LIMIT per caller, registered after AuthGuard so that an authenticated request is counted
// against its user (however many addresses or tokens it uses) and a refused identity costs
// nothing. Public routes (/, health, readiness) have no user: they are counted per client address,
// which is the forwarded one behind a TRUST_PROXY proxy. The count lives in this process.
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiter | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limiter = config.rateLimit > 0 ? new RateLimiter({ limit: config.rateLimit, windowMs: config.rateLimitWindowS * 1000 }) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.limiter) return true;
    const req = context.switchToHttp().getRequest<RequestWithState>();
    const userId = req.freezer?.ctx.userId;
    const key = userId !== undefined ? `user:${userId}` : `address:${req.ip ?? 'unknown'}`;
    const decision = this.limiter.take(key);
    if (!decision.allowed) throw new TooManyRequestsError(decision.retryAfterS);
    return true;
  }
}
