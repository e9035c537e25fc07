// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { type CronValues, compileCron, horizonYear, nextCronFire } from './cron-trigger.js';

const at = (iso: string): number => Date.parse(`${iso}Z`) / 1000;
const FROM = at('2026-12-05T06:30:00');
const fire = (values: CronValues, from = FROM): string | null => {
  const next = nextCronFire(compileCron(values), from, null);
  return next === null ? null : new Date(next * 1000).toISOString().slice(0, 19);
};

describe('cron search horizon', () => {
  it('stops a search for a combination that never occurs within a few decades, not at year 9999', () => {
    // every kind of year appears within 29 years of any start; the walk past them proves nothing more
    const horizon = horizonYear(compileCron({ week: '53' }), 2026);
    expect(horizon).toBeLessThanOrEqual(2026 + 40);
    expect(horizonYear(compileCron({ month: 'feb', day: '30' }), 2026)).toBeLessThanOrEqual(2026 + 40);
  });

  it('answers never for week 53 in June and February 30th', () => {
    expect(fire({ week: '53', day_of_week: 'mon', month: 'jun' })).toBeNull();
    expect(fire({ month: 'feb', day: '30' })).toBeNull();
  });

  it('still finds rare dates: February 29th on a Monday, friday of ISO week 53 (in the next year), a year far ahead', () => {
    expect(fire({ month: 'feb', day: '29', day_of_week: 'mon' })).toBe('2044-02-29T00:00:00');
    expect(fire({ week: '53', day_of_week: 'fri' })).toBe('2027-01-01T00:00:00');
    expect(fire({ year: '2500', month: 'jun' })).toBe('2500-06-01T00:00:00');
    expect(fire({ year: '*/2', month: 'feb', day: '29', day_of_week: 'mon' })).toBe('2044-02-29T00:00:00');
    // from 1970 every fourth year is never a leap year
    expect(fire({ year: '*/4', month: 'feb', day: '29' })).toBeNull();
  });

  it('bounds the horizon of a year field by one calendar cycle of 400 years', () => {
    expect(horizonYear(compileCron({ year: '2500-9999/400', month: 'feb', day: '30' }), 2026)).toBeLessThanOrEqual(2900);
  });
});
