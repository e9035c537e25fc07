// SPDX-License-Identifier: Apache-2.0
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { isJsonObject, type JsonValue } from '../../common/json/json.types.js';
import type { JobSchedule } from './job-document.js';

export type JobEvent = 'start' | 'stop' | 'abort' | 'remove';
const EVENTS: readonly string[] = ['start', 'stop', 'abort', 'remove'];

// §8.10: the event is the body's first key; its value is ignored.
export function parseJobEvent(body: JsonValue | undefined): JobEvent {
  if (!isJsonObject(body) || Object.keys(body).length === 0) throw new BadDataFormatError('Bad event request format');
  const event = Object.keys(body)[0];
  if (!EVENTS.includes(event)) throw new BadDataFormatError('Bad Action Method');
  return event as JobEvent;
}

export interface EventOutcome {
  schedule: JobSchedule;
  result: string;
  changed: boolean;
}

// api/v2/jobs.py Job.start/stop/abort, plus remove (D11). Only the API's own fields change; the
// scheduler writes status and result back as it acts on the event (§9).
export function applyJobEvent(schedule: JobSchedule, event: JobEvent): EventOutcome {
  if (schedule.event === event) return { schedule, result: `${event} already requested`, changed: false };
  switch (event) {
    case 'start':
      return { schedule: { ...schedule, event, status: '', result: '' }, result: 'success', changed: true };
    case 'remove':
      return { schedule: { ...schedule, event, status: 'removed' }, result: 'success', changed: true };
    default:
      return { schedule: { ...schedule, event }, result: 'success', changed: true };
  }
}
