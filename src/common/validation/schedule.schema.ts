// SPDX-License-Identifier: Apache-2.0
import type { JsonSchema } from './json-schema.js';

// common/json_schemas.py: job_schedule (and a session's schedule) allow exactly these keys (§8.2.2).
const DATE_TIME =
  '^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12][0-9])T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\\.[0-9]+)?(Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?$';
export const SCHEDULE_INTERVAL = '^(continuous|(\\d+ +(weeks|days|hours|minutes|seconds)))$';

export const JOB_EVENTS = ['', 'stop', 'start', 'abort', 'remove'] as const;
export const JOB_STATUSES = ['', 'completed', 'stop', 'scheduled', 'running', 'aborting', 'removed'] as const;
export const JOB_RESULTS = ['', 'success', 'fail', 'aborted'] as const;

const cronField = { type: 'string' };

export const SCHEDULE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    time_created: { type: 'integer' },
    time_started: { type: 'integer' },
    time_ended: { type: 'integer' },
    current_pid: { type: 'integer' },
    event: { enum: [...JOB_EVENTS] },
    status: { enum: [...JOB_STATUSES] },
    result: { enum: [...JOB_RESULTS] },
    schedule_date: { type: 'string', pattern: DATE_TIME },
    schedule_start_date: { type: 'string', pattern: DATE_TIME },
    schedule_end_date: { type: 'string', pattern: DATE_TIME },
    schedule_interval: { type: 'string', pattern: SCHEDULE_INTERVAL },
    schedule_year: { type: 'string', pattern: '^\\d{4}$' },
    schedule_month: cronField,
    schedule_day: cronField,
    schedule_week: cronField,
    schedule_day_of_week: cronField,
    schedule_hour: cronField,
    schedule_minute: cronField,
    schedule_second: cronField,
  },
  additionalProperties: false,
};
