// SPDX-License-Identifier: Apache-2.0
import type { Request } from 'express';
import { UnauthorizedError } from '../errors/freezer-errors.js';
import type { AuthStrategy } from './auth-strategy.js';
import { contextFrom, identityValue, rolesFrom } from './identity-headers.js';
import type { RequestContext } from './request-context.js';

// D15 trusted-headers: behind keystonemiddleware or a gateway that validated the token and set the
// identity headers. Only a confirmed identity passes (api/common/middleware.py ContextMiddleware).
export class TrustedHeadersStrategy implements AuthStrategy {
  async authenticate(req: Request, requestId: string): Promise<RequestContext> {
    if (req.get('x-identity-status') !== 'Confirmed') {
      throw new UnauthorizedError('The identity is not confirmed (X-Identity-Status must be Confirmed)');
    }
    const userId = identityValue(req, 'x-user-id');
    if (userId === null) throw new UnauthorizedError('The confirmed identity carries no X-User-Id');
    const projectId = identityValue(req, 'x-project-id') ?? identityValue(req, 'x-tenant-id');
    return contextFrom({ userId, projectId, userName: identityValue(req, 'x-user-name'), roles: rolesFrom(req) }, requestId);
  }
}
