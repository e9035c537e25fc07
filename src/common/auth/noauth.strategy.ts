// SPDX-License-Identifier: Apache-2.0
import type { Request } from 'express';
import { UnauthorizedError } from '../errors/freezer-errors.js';
import type { AuthStrategy } from './auth-strategy.js';
import { contextFrom, identityValue, rolesFrom } from './identity-headers.js';
import type { RequestContext } from './request-context.js';

// D15 noauth, the OpenStack "noauth2" convention (§3.5): trust the identity headers; else read a
// `user[:project]` token; else the user `noauth`. For a local service on loopback only.
export class NoauthStrategy implements AuthStrategy {
  async authenticate(req: Request, requestId: string): Promise<RequestContext> {
    const roles = rolesFrom(req);
    const userName = identityValue(req, 'x-user-name');
    const userId = identityValue(req, 'x-user-id');
    if (userId !== null) {
      const projectId = identityValue(req, 'x-project-id') ?? identityValue(req, 'x-tenant-id');
      return contextFrom({ userId, projectId, userName, roles }, requestId);
    }
    const token = identityValue(req, 'x-auth-token');
    if (token !== null) {
      const [user, project, ...rest] = token.split(':');
      if (rest.length > 0 || user === '' || project === '') {
        throw new UnauthorizedError('In noauth mode a token has the form user or user:project');
      }
      return contextFrom({ userId: user, projectId: project ?? null, userName, roles }, requestId);
    }
    return contextFrom({ userId: 'noauth', projectId: null, userName, roles }, requestId);
  }
}
