// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';

export type SessionBody = Record<string, unknown>;

// A wire-format session body (POST .../sessions) as the web UI's session workflow posts it: a
// description and a schedule; hold_off only when an override gives one (the server's default is 30).
export function buildSessionDoc(overrides: SessionBody = {}): SessionBody {
  return {
    description: `nightly snapshot ${randomUUID().slice(0, 8)}`,
    schedule: {
      schedule_start_date: '2030-01-01T02:00:00',
      schedule_interval: '1 days',
      schedule_end_date: '2031-01-01T02:00:00',
    },
    ...overrides,
  };
}
