// SPDX-License-Identifier: Apache-2.0
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { PolicyRuleName } from './policies.js';

export const POLICY_RULE = 'freezer:policy';

// The policy rule (D16) that PolicyGuard checks before the handler runs; also shown in the OpenAPI
// document as the operation's x-policy, so operators see which rule guards which route.
export const Policy = (rule: PolicyRuleName): MethodDecorator =>
  applyDecorators(SetMetadata(POLICY_RULE, rule), ApiExtension('x-policy', rule));
