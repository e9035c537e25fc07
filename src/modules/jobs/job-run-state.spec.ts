// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../common/json/json.types.js';
import { runStateWrite } from './job-run-state.js';

const job = (schedule: JsonObject, rest: JsonObject = {}): JsonObject => ({
  job_id: 'j1',
  client_id: 'node-1',
  job_actions: [{ freezer_action: { action: 'backup', backup_name: 'b' } }],
  job_schedule: schedule,
  ...rest,
});

describe('runStateWrite', () => {
  const scheduled = { schedule_interval: '1 days', status: 'scheduled', event: '', result: '' };

  it("answers the run keys of the new schedule when they alone changed, those absent left out", () => {
    const after = job({ ...scheduled, status: 'running', time_started: 100, time_ended: -1, current_pid: 7 });
    expect(runStateWrite(job(scheduled), after)).toEqual({ status: 'running', event: '', result: '', time_started: 100, time_ended: -1, current_pid: 7 });
  });

  it('answers a run key taken away by leaving it out', () => {
    expect(runStateWrite(job({ ...scheduled, current_pid: 7 }), job(scheduled))).toEqual({ status: 'scheduled', event: '', result: '' });
  });

  it('answers the run keys even when nothing changed (the caller decides whether to write)', () => {
    expect(runStateWrite(job(scheduled), job(scheduled))).toEqual({ status: 'scheduled', event: '', result: '' });
  });

  it.each<[string, JsonObject, JsonObject]>([
    ['a schedule key that is not run state', job(scheduled), job({ ...scheduled, schedule_interval: '2 days' })],
    ['a schedule key added', job(scheduled), job({ ...scheduled, schedule_date: '2030-01-01T00:00:00' })],
    ['a schedule key taken away', job(scheduled), job({ status: 'running', event: '', result: '' })],
    ['a key outside the schedule', job(scheduled), job({ ...scheduled, status: 'running' }, { description: 'x' })],
    ['a key outside the schedule taken away', job(scheduled, { description: 'x' }), job({ ...scheduled, status: 'running' })],
    ['an embedded action changed', job(scheduled), job(scheduled, { job_actions: [{ freezer_action: { action: 'restore' } }] })],
    ['an object under a run key', job(scheduled), job({ ...scheduled, result: { code: 3 } })],
    ['a list under a run key', job(scheduled), job({ ...scheduled, status: ['running'] })],
    ['no schedule before', job(scheduled, { job_schedule: 'x' }), job(scheduled)],
    ['no schedule after', job(scheduled), { job_id: 'j1', client_id: 'node-1', job_actions: [] }],
  ])('answers null for %s', (_label, before, after) => {
    expect(runStateWrite(before, after)).toBeNull();
  });

  it('compares values, not key order', () => {
    const before = job(scheduled, { extra: { b: 1, a: [1, { c: 2 }] } });
    const after = job({ ...scheduled, status: 'running' }, { extra: { a: [1, { c: 2 }], b: 1 } });
    expect(runStateWrite(before, after)).toMatchObject({ status: 'running' });
  });
});
