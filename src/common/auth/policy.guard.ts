// SPDX-License-Identifier: Apache-2.0
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessForbiddenError } from '../errors/freezer-errors.js';
import { credentialsOf, PolicyEnforcer, type PolicyRuleName } from './policies.js';
import { POLICY_RULE } from './policy.decorator.js';
import type { RequestWithState } from './request-context.decorator.js';

// After AuthGuard (D16): checks the handler's @Policy rule against the caller and the target
// {project_id: the path project, else the caller's; user_id: the caller}. Routes without a rule
// (public ones, the JSON-home documents) pass.
@Injectable()
export class PolicyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(PolicyEnforcer) private readonly enforcer: PolicyEnforcer,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = this.reflector.get<PolicyRuleName | undefined>(POLICY_RULE, context.getHandler());
    if (rule === undefined) return true;
    const req = context.switchToHttp().getRequest<RequestWithState>();
    const ctx = req.freezer?.ctx;
    if (!ctx) throw new AccessForbiddenError();
    const pathProject = (req.params as Record<string, string | undefined>).project_id;
    if (!this.enforcer.enforce(rule, credentialsOf(ctx), { project_id: pathProject ?? ctx.projectId, user_id: ctx.userId })) {
      throw new AccessForbiddenError();
    }
    return true;
  }
}
