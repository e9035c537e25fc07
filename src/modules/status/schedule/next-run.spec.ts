// SPDX-License-Identifier: Apache-2.0
// Cases derived from freezer-scheduler 13 (scheduler_job.py get_schedule_args, schedule) and
// APScheduler 3.9's triggers; the cron answers are what CronTrigger(timezone=utc).get_next_fire_time
// gives for the same fields and moment.
import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../../common/json/json.types.js';
import { type JobTimes, nextRunOf } from './next-run.js';

const at = (iso: string): number => Date.parse(`${iso}Z`) / 1000;
const iso = (epoch: number | null): string | null => (epoch === null ? null : new Date(epoch * 1000).toISOString().slice(0, 19));

const ARMED = at('2026-12-05T06:30:00');
const fresh: JobTimes = { armedAt: ARMED, timeStarted: -1, timeEnded: -1 };
const ranAt = (started: string, ended: string): JobTimes => ({ armedAt: ARMED, timeStarted: at(started), timeEnded: at(ended) });

function next(schedule: JsonObject, times: JobTimes = fresh): string | null {
  const result = nextRunOf(schedule, times);
  expect(result.error).toBeNull();
  return iso(result.nextRun);
}

describe('next run: no schedule and one-shot dates', () => {
  it('starts a job without schedule two seconds after the scheduler takes it, once', () => {
    expect(next({ status: 'scheduled' })).toBe('2026-12-05T06:30:02');
    expect(next({}, ranAt('2026-12-05T06:30:02', '2026-12-05T06:31:00'))).toBeNull();
  });

  it('runs at schedule_date, naive or with a zone, and not again once it ran', () => {
    expect(next({ schedule_date: '2026-12-24T18:00:00' })).toBe('2026-12-24T18:00:00');
    expect(next({ schedule_date: '2026-12-24T18:00:00+02:00' })).toBe('2026-12-24T16:00:00');
    expect(next({ schedule_date: '2026-12-24T18:00:00.25Z' })).toBe('2026-12-24T18:00:00');
    expect(next({ schedule_date: '2026-12-24T18:00:00' }, ranAt('2026-12-24T18:00:00', '2026-12-24T18:05:00'))).toBeNull();
  });

  it('runs a date that passed less than the misfire grace (1 h) ago at once, and never one older', () => {
    expect(next({ schedule_date: '2026-12-05T06:00:00' })).toBe('2026-12-05T06:00:00');
    const missed = nextRunOf({ schedule_date: '2026-12-05T05:00:00' }, fresh);
    expect(missed).toMatchObject({ kind: 'date', nextRun: null, error: expect.stringContaining('never runs') });
  });

  it('prefers schedule_date over an interval and cron fields, as get_schedule_args does', () => {
    expect(next({ schedule_date: '2026-12-24T18:00:00', schedule_interval: '1 days', schedule_hour: '3' })).toBe('2026-12-24T18:00:00');
  });
});

describe('next run: intervals', () => {
  it('first runs one interval after the scheduler takes the job, then an interval after each start', () => {
    expect(nextRunOf({ schedule_interval: '2 hours' }, fresh)).toEqual({ kind: 'interval', nextRun: ARMED + 7200, intervalS: 7200, error: null });
    expect(next({ schedule_interval: '2 hours' }, ranAt('2026-12-05T08:30:00', '2026-12-05T08:40:00'))).toBe('2026-12-05T10:30:00');
    expect(next({ schedule_interval: '1 weeks' }, ranAt('2026-12-05T08:30:00', '2026-12-05T08:40:00'))).toBe('2026-12-12T08:30:00');
  });

  it('skips the starts that fell while a run was still going (max_instances 1)', () => {
    expect(next({ schedule_interval: '10 minutes' }, ranAt('2026-12-05T08:00:00', '2026-12-05T08:25:00'))).toBe('2026-12-05T08:30:00');
  });

  it('reads continuous as every second, and 0 seconds as one second', () => {
    expect(nextRunOf({ schedule_interval: 'continuous' }, ranAt('2026-12-05T08:00:00', '2026-12-05T08:00:00'))).toMatchObject({ nextRun: at('2026-12-05T08:00:01'), intervalS: 1 });
    expect(nextRunOf({ schedule_interval: '0 seconds' }, fresh)).toMatchObject({ nextRun: ARMED + 1, intervalS: 1 });
  });

  it('starts at a future schedule_start_date, two seconds after pick-up for a past one', () => {
    expect(next({ schedule_interval: '1 days', schedule_start_date: '2026-12-06T01:00:00' })).toBe('2026-12-06T01:00:00');
    expect(next({ schedule_interval: '1 days', schedule_start_date: '2026-01-01T01:00:00' })).toBe('2026-12-05T06:30:02');
  });

  it('stops at schedule_end_date, ignores one before the start date or without a start date', () => {
    const ran = ranAt('2026-12-06T01:00:00', '2026-12-06T01:10:00');
    expect(next({ schedule_interval: '1 days', schedule_start_date: '2026-12-06T01:00:00', schedule_end_date: '2026-12-06T12:00:00' }, ran)).toBeNull();
    expect(next({ schedule_interval: '1 days', schedule_start_date: '2026-12-06T01:00:00', schedule_end_date: '2026-12-01T00:00:00' }, ran)).toBe('2026-12-07T01:00:00');
    expect(next({ schedule_interval: '1 days', schedule_end_date: '2026-12-01T00:00:00' }, ran)).toBe('2026-12-07T01:00:00');
  });

  it('counts a start from before the trigger was (re)armed as no run of it', () => {
    const restarted: JobTimes = { armedAt: ARMED, timeStarted: at('2026-12-01T00:00:00'), timeEnded: at('2026-12-01T00:10:00') };
    expect(next({ schedule_interval: '1 days' }, restarted)).toBe('2026-12-06T06:30:00');
  });
});

describe('next run: cron fields', () => {
  const cases: Array<[JsonObject, string, string | null]> = [
    [{ schedule_hour: '3' }, '2026-12-05T06:30:00', '2026-12-06T03:00:00'],
    [{ schedule_hour: '3', schedule_minute: '30' }, '2026-12-05T02:00:00', '2026-12-05T03:30:00'],
    [{ schedule_day_of_week: 'mon,wed' }, '2026-12-05T06:30:00', '2026-12-07T00:00:00'],
    [{ schedule_day_of_week: 'mon-fri', schedule_hour: '22' }, '2026-12-05T23:00:00', '2026-12-07T22:00:00'],
    [{ schedule_month: '1-6, 9-12', schedule_day: '1' }, '2026-07-15T00:00:00', '2026-09-01T00:00:00'],
    [{ schedule_day: 'last' }, '2027-02-10T12:00:00', '2027-02-28T00:00:00'],
    [{ schedule_day: 'last fri', schedule_hour: '1' }, '2026-12-05T06:30:00', '2026-12-25T01:00:00'],
    [{ schedule_day: '2nd mon' }, '2026-12-15T00:00:00', '2027-01-11T00:00:00'],
    [{ schedule_minute: '*/15' }, '2026-12-05T06:31:10', '2026-12-05T06:45:00'],
    [{ schedule_week: '1' }, '2026-12-05T06:30:00', '2027-01-04T00:00:00'],
    [{ schedule_year: '2027', schedule_month: 'mar' }, '2026-12-05T06:30:00', '2027-03-01T00:00:00'],
    [{ schedule_day: '30', schedule_month: 'feb' }, '2026-12-05T06:30:00', null],
    [{ schedule_second: '*/20' }, '2026-12-05T06:30:41', '2026-12-05T06:31:00'],
    [{ schedule_hour: '*/6', schedule_minute: '5' }, '2026-12-31T23:59:59', '2027-01-01T00:05:00'],
  ];
  it.each(cases)('%j from %s', (schedule, armed, expected) => {
    expect(next(schedule, { armedAt: at(armed), timeStarted: -1, timeEnded: -1 })).toBe(expected);
  });

  it('runs next after the last run ended, and knows the time between two runs', () => {
    const result = nextRunOf({ schedule_hour: '3' }, ranAt('2026-12-06T03:00:00', '2026-12-06T03:20:00'));
    expect({ ...result, nextRun: iso(result.nextRun) }).toEqual({ kind: 'cron', nextRun: '2026-12-07T03:00:00', intervalS: 86_400, error: null });
  });

  it('treats a null field as not given (CronTrigger drops None)', () => {
    expect(next({ schedule_hour: null, schedule_minute: '0' }, { armedAt: at('2026-12-05T06:30:00'), timeStarted: -1, timeEnded: -1 })).toBe('2026-12-05T07:00:00');
  });
});

describe('schedules the scheduler cannot read', () => {
  const cases: Array<[JsonObject, string]> = [
    [{ schedule_hour: '25' }, 'the last value (25) is higher than the maximum value (23)'],
    [{ schedule_hour: '' }, 'Unrecognized expression "" for field "hour"'],
    [{ schedule_day_of_week: 'funday' }, 'Invalid weekday name "funday"'],
    [{ schedule_minute: '*/0' }, 'Increment must be higher than 0'],
    [{ schedule_hour: '5-3' }, 'The minimum value in a range must not be higher than the maximum'],
    [{ schedule_day: '6th mon' }, 'Unrecognized expression "6th mon" for field "day"'],
    [{ schedule_hour: '0/30' }, 'the step value (30) is higher than the total range of the expression'],
    // "val, unit = interval.split(' ')" fails on two spaces
    [{ schedule_interval: '2  hours' }, 'cannot read the interval'],
    // start and end dates are read with strptime('%Y-%m-%dT%H:%M:%S'), even for a date trigger
    [{ schedule_interval: '1 days', schedule_start_date: '2026-12-06T01:00:00Z' }, "does not match format '%Y-%m-%dT%H:%M:%S'"],
    [{ schedule_date: '2026-12-24T18:00:00', schedule_start_date: '2026-12-06T01:00:00.5' }, "does not match format '%Y-%m-%dT%H:%M:%S'"],
    [{ schedule_interval: '1 days', schedule_start_date: '2026-12-06T01:00:00', schedule_end_date: '2026-12-07' }, "does not match format"],
  ];
  it.each(cases)('%j', (schedule, message) => {
    expect(nextRunOf(schedule, fresh)).toEqual({ kind: null, nextRun: null, intervalS: null, error: expect.stringContaining(message) });
  });
});

describe('next run: schedules that can never be reached', () => {
  it('reports an interval too long for the calendar as never running, not as a run past year 9999', () => {
    const result = nextRunOf({ schedule_interval: '100000000000000 weeks' }, fresh);
    expect(result).toMatchObject({ nextRun: null, intervalS: null, error: expect.stringContaining('never runs') });
    const afterRun = nextRunOf({ schedule_interval: '418000 weeks' }, ranAt('2026-12-05T08:30:00', '2026-12-05T08:40:00'));
    expect(afterRun).toMatchObject({ nextRun: null, error: expect.stringContaining('never runs') });
  });

  it('keeps a long interval that still ends before year 10000', () => {
    expect(next({ schedule_interval: '1000 weeks' })).toBe('2046-02-03T06:30:00');
  });
});
