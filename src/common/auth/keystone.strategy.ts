// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import type { Request } from 'express';
import type { KeystoneConfig } from '../../config/env.validation.js';
import { ServiceUnavailableError, UnauthorizedError } from '../errors/freezer-errors.js';
import { aboutRequest } from '../observability/freezer-logger.js';
import type { AuthStrategy } from './auth-strategy.js';
import { contextFrom } from './identity-headers.js';
import { KeystoneClient, KeystoneUnavailableError, type ValidatedToken } from './keystone-client.js';
import { type Clock, TokenCache } from './keystone-token-cache.js';
import type { RequestContext } from './request-context.js';

// Enough for every live token of a large cloud's backup agents; an entry is a few hundred bytes.
const CACHE_ENTRIES = 10_000;
// Keystone's fernet tokens are ~200 characters; PKI-era ones were a few KB. Anything longer is junk.
const MAX_TOKEN_LENGTH = 8_192;

// D15 keystone: the caller's X-Auth-Token, validated by Keystone (cached); identity headers sent by
// the caller are ignored, the identity is the token's.
export class KeystoneStrategy implements AuthStrategy {
  private readonly cache: TokenCache<ValidatedToken>;
  private readonly challenge: Record<string, string>;
  private readonly logger = new Logger('Keystone');
  // logged once when Keystone stops answering and once when it answers again, not per request
  private unavailable = false;

  constructor(
    config: KeystoneConfig,
    private readonly client: KeystoneClient = new KeystoneClient(config),
    private readonly now: Clock = Date.now,
  ) {
    this.cache = new TokenCache(config.cacheTtlS * 1000, CACHE_ENTRIES, now);
    this.challenge = { 'WWW-Authenticate': `Keystone uri="${config.url}"` };
  }

  async authenticate(req: Request, requestId: string): Promise<RequestContext> {
    const token = req.get('x-auth-token')?.trim();
    if (token === undefined || token === '') throw this.unauthorized('The request carries no X-Auth-Token');
    if (token.length > MAX_TOKEN_LENGTH) throw this.unauthorized('The token is not valid');
    let identity = this.cache.get(token);
    if (identity === undefined) {
      try {
        identity = (await this.client.validate(token)) ?? undefined;
      } catch (error) {
        if (!(error instanceof KeystoneUnavailableError)) throw error;
        if (!this.unavailable) this.logger.warn(aboutRequest(requestId, `${error.message}; tokens not in the cache get 503 until it answers`));
        this.unavailable = true;
        throw new ServiceUnavailableError('identity service (Keystone)');
      }
      if (this.unavailable) this.logger.log(aboutRequest(requestId, 'Keystone answers again'));
      this.unavailable = false;
      if (identity === undefined) throw this.unauthorized('The token is not valid, has been revoked or has expired');
      this.cache.set(token, identity, identity.expiresAt);
    }
    // a cached entry never outlives its token, but Keystone may hand back one that just expired
    if (identity.expiresAt <= this.now()) throw this.unauthorized('The token has expired');
    const { userId, userName, projectId, roles } = identity;
    return contextFrom({ userId, userName, projectId, roles }, requestId);
  }

  private unauthorized(description: string): UnauthorizedError {
    return new UnauthorizedError(description, this.challenge);
  }
}
