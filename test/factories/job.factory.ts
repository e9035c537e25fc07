// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { buildFreezerAction } from './action.factory.js';

export type JobBody = Record<string, unknown>;

// One element of job_actions as the CLI and the web UI embed it.
export function buildJobAction(freezerAction: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { freezer_action: buildFreezerAction(freezerAction), max_retries: 3, max_retries_interval: 10, mandatory: false, ...overrides };
}

// A wire-format job body (POST .../jobs) as python-freezerclient's job-create --file and the web UI
// send it: a client, a schedule and one embedded backup action.
export function buildJobDoc(overrides: JobBody = {}): JobBody {
  const host = `node-${randomUUID().slice(0, 8)}.example.com`;
  return {
    client_id: `proj_${host}`,
    description: `backup of /etc on ${host}`,
    job_schedule: {
      schedule_interval: '1 days',
      schedule_start_date: '2030-01-01T03:00:00',
      schedule_end_date: '2031-01-01T03:00:00',
      event: 'stop',
    },
    job_actions: [buildJobAction()],
    ...overrides,
  };
}
