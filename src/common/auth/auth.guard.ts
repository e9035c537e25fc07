// SPDX-License-Identifier: Apache-2.0
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '../../config/env.validation.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import { AccessForbiddenError, BadDataFormatError } from '../errors/freezer-errors.js';
import { requestIdOf } from '../http/http-middleware.js';
import { AUTH_STRATEGY, type AuthStrategy } from './auth-strategy.js';
import { IS_PUBLIC } from './public.decorator.js';
import { ownerFor, type RequestContext } from './request-context.js';
import type { RequestWithState } from './request-context.decorator.js';

const PATH_PROJECT_ID = /^[^\u0000-\u001f\u007f/]{1,255}$/u;

// The global guard: authenticates every non-public route with the configured strategy, applies the
// v2 project check (D5) and works out the owner (D4).
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_STRATEGY) private readonly strategy: AuthStrategy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<RequestWithState>();
    const requestId = requestIdOf(req.res);
    const ctx = await this.strategy.authenticate(req, requestId);
    const pathProject = (req.params as Record<string, string | undefined>).project_id;
    if (pathProject !== undefined) {
      if (!PATH_PROJECT_ID.test(pathProject) || !pathProject.isWellFormed()) {
        throw new BadDataFormatError('The project id in the path is not valid');
      }
      if (ctx.projectId !== null && ctx.projectId !== pathProject && !this.reachesEveryProject(ctx)) throw new AccessForbiddenError();
    }
    req.freezer = { ctx, owner: ownerFor(ctx, this.config.scope, pathProject) };
    return true;
  }

  // An admin may use any project in the path. Under freezer 2026's policy defaults a service user
  // (a backup agent or a central scheduler) may too: the rules themselves then decide, checking
  // project_id:%(project_id)s for readers and members.
  private reachesEveryProject(ctx: RequestContext): boolean {
    return ctx.isAdmin || (this.config.policyDefaults === 'rbac' && ctx.roles.includes('service'));
  }
}
