// SPDX-License-Identifier: Apache-2.0
import type { Request } from 'express';
import type { RequestContext } from './request-context.js';

// One per AUTH_MODE (D15). Turns a request into a context or throws UnauthorizedError; the keystone
// mode plugs in here.
export interface AuthStrategy {
  authenticate(req: Request, requestId: string): Promise<RequestContext>;
}

export const AUTH_STRATEGY = Symbol('AUTH_STRATEGY');
