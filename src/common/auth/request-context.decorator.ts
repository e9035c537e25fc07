// SPDX-License-Identifier: Apache-2.0
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { DocumentNotFoundError } from '../errors/freezer-errors.js';
import type { AuthenticatedRequestState, Owner as OwnerType, RequestContext } from './request-context.js';

export type RequestWithState = Request & { freezer?: AuthenticatedRequestState };

function state(context: ExecutionContext): AuthenticatedRequestState {
  const state = context.switchToHttp().getRequest<RequestWithState>().freezer;
  if (!state) throw new Error('No request context: the route is missing the auth guard');
  return state;
}

// The caller's identity, built by AuthGuard.
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => state(context).ctx);

// The owner the request reads and writes as (D4).
export const Owner = createParamDecorator((_data: unknown, context: ExecutionContext): OwnerType => {
  const owner = state(context).owner;
  if (!owner) throw new DocumentNotFoundError('API v1 is not served when FREEZER_SCOPE=project: use /v2/{project_id}/...');
  return owner;
});
