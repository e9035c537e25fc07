// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { applyJobEvent, parseJobEvent } from './job-lifecycle.js';

describe('parseJobEvent', () => {
  it('reads the first key', () => {
    expect(parseJobEvent({ start: null })).toBe('start');
    expect(parseJobEvent({ abort: { any: 'thing' }, stop: null })).toBe('abort');
    expect(parseJobEvent({ remove: null })).toBe('remove');
  });

  it.each([[undefined], [{}], [[]], ['start'], [null]])('rejects %j as a bad format', (body) => {
    expect(() => parseJobEvent(body)).toThrow(new BadDataFormatError('Bad event request format'));
  });

  it('rejects an unknown event', () => {
    expect(() => parseJobEvent({ bogus: null })).toThrow(new BadDataFormatError('Bad Action Method'));
  });
});

describe('applyJobEvent', () => {
  const running = { event: '', status: 'running', result: 'fail', time_created: 1, schedule_interval: '1 days' };

  it('start resets status and result', () => {
    expect(applyJobEvent(running, 'start')).toEqual({
      schedule: { ...running, event: 'start', status: '', result: '' },
      result: 'success',
      changed: true,
    });
  });

  it('stop and abort change only the event', () => {
    expect(applyJobEvent(running, 'stop').schedule).toEqual({ ...running, event: 'stop' });
    expect(applyJobEvent(running, 'abort').schedule).toEqual({ ...running, event: 'abort' });
  });

  it('remove marks the job removed', () => {
    expect(applyJobEvent(running, 'remove').schedule).toEqual({ ...running, event: 'remove', status: 'removed' });
  });

  it.each(['start', 'stop', 'abort', 'remove'] as const)('%s twice is "already requested" and changes nothing', (event) => {
    const schedule = { ...running, event };
    expect(applyJobEvent(schedule, event)).toEqual({ schedule, result: `${event} already requested`, changed: false });
  });

  it('works on an empty schedule', () => {
    expect(applyJobEvent({}, 'start')).toEqual({ schedule: { event: 'start', status: '', result: '' }, result: 'success', changed: true });
  });
});
