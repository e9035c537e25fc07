// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';

// What freezer-scheduler registers: {client_id: <project>_<hostname>, hostname}.
export function buildClientDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const host = `node-${randomUUID().slice(0, 8)}.example.com`;
  return { client_id: `proj_${host}`, hostname: host, description: 'scheduler node', ...overrides };
}
