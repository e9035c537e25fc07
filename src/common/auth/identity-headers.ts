// SPDX-License-Identifier: Apache-2.0
import type { Request } from 'express';
import { UnauthorizedError } from '../errors/freezer-errors.js';
import { headerText } from '../http/header-text.js';
import type { RequestContext } from './request-context.js';

// Identity values become document fields and index keys: bounded, printable, valid text.
const IDENTITY_VALUE = /^[^\u0000-\u001f\u007f]{1,255}$/u;

export function identityValue(req: Request, header: string): string | null {
  const raw = req.get(header);
  const value = raw === undefined ? undefined : headerText(raw).trim();
  if (value === undefined || value === '') return null;
  if (!IDENTITY_VALUE.test(value) || !value.isWellFormed()) throw new UnauthorizedError(`The ${header} header is not a valid identity`);
  return value;
}

export function rolesFrom(req: Request): string[] {
  const raw = headerText(req.get('x-roles') ?? '');
  return raw.split(',').map((role) => role.trim().toLowerCase()).filter((role) => role !== '');
}

export function contextFrom(
  identity: { userId: string; projectId: string | null; userName: string | null; roles: string[] },
  requestId: string,
): RequestContext {
  return { ...identity, isAdmin: identity.roles.includes('admin'), requestId };
}
