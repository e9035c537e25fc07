// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';

export interface Identity {
  userId: string;
  projectId: string;
  roles: string[];
}

function randomId(prefix: string): string {
  return `${prefix}${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

// A fresh user in a fresh project: tenancy isolates tests from each other, no truncation needed.
export function newIdentity(overrides: Partial<Identity> = {}): Identity {
  return { userId: randomId('u'), projectId: randomId('p'), roles: ['member'], ...overrides };
}

// The headers keystonemiddleware would set (noauth mode trusts them; trusted-headers needs Confirmed).
export function identityHeaders(identity: Identity, confirmed = true): Record<string, string> {
  return {
    'X-User-Id': identity.userId,
    'X-Project-Id': identity.projectId,
    'X-Roles': identity.roles.join(','),
    ...(confirmed ? { 'X-Identity-Status': 'Confirmed' } : {}),
  };
}
