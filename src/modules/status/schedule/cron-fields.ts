// SPDX-License-Identifier: Apache-2.0
// The cron-style schedule fields as freezer-scheduler hands them to APScheduler 3's CronTrigger
// (apscheduler/triggers/cron/fields.py and expressions.py): the same expressions, ranges, defaults
// and errors, so that a schedule the scheduler refuses is reported as such. Times are UTC.

export class ScheduleError extends Error {}

export const CRON_FIELD_NAMES = ['year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second'] as const;
export type CronFieldName = (typeof CRON_FIELD_NAMES)[number];

const MIN: Record<CronFieldName, number> = { year: 1970, month: 1, day: 1, week: 1, day_of_week: 0, hour: 0, minute: 0, second: 0 };
const MAX: Record<CronFieldName, number> = { year: 9999, month: 12, day: 31, week: 53, day_of_week: 6, hour: 23, minute: 59, second: 59 };
// what a field left out below the last given one is set to
export const CRON_DEFAULTS: Record<CronFieldName, string> = {
  year: '*', month: '1', day: '1', week: '*', day_of_week: '*', hour: '0', minute: '0', second: '0',
};

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const POSITIONS = ['1st', '2nd', '3rd', '4th', '5th', 'last'];

// A moment split into the calendar fields CronTrigger reads, in UTC.
export interface Moment {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
// Monday 0 ... Sunday 6, as Python's weekday()
const weekdayOf = (year: number, month: number, day: number): number => (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;

function isoWeek(m: Moment): number {
  // the week's Thursday decides its ISO year
  const date = new Date(Date.UTC(m.year, m.month - 1, m.day));
  date.setUTCDate(date.getUTCDate() + 3 - weekdayOf(m.year, m.month, m.day));
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
}

export function fieldValue(name: CronFieldName, m: Moment): number {
  if (name === 'week') return isoWeek(m);
  if (name === 'day_of_week') return weekdayOf(m.year, m.month, m.day);
  return m[name];
}

export const fieldMin = (name: CronFieldName): number => MIN[name];
export const fieldMax = (name: CronFieldName, m: Moment): number => (name === 'day' ? daysInMonth(m.year, m.month) : MAX[name]);
// week and day_of_week are not set directly: the day moves until they match
export const isRealField = (name: CronFieldName): boolean => name !== 'week' && name !== 'day_of_week';

const mod = (a: number, n: number): number => ((a % n) + n) % n;

type Expression = (m: Moment, name: CronFieldName) => number | null;

function stepped(value: number, low: number, high: number, step: number | null): number | null {
  const next = step ? value + mod(step - (value - low), step) : value;
  return next <= high ? next : null;
}

function allExpression(step: number | null, name: CronFieldName): Expression {
  if (step === 0) throw new ScheduleError('Increment must be higher than 0');
  if (step !== null && step > MAX[name] - MIN[name]) throw new ScheduleError(`the step value (${step}) is higher than the total range of the expression`);
  return (m) => {
    const low = fieldMin(name);
    return stepped(Math.max(fieldValue(name, m), low), low, fieldMax(name, m), step);
  };
}

function rangeExpression(first: number, lastGiven: number | null, step: number | null, name: CronFieldName): Expression {
  if (step === 0) throw new ScheduleError('Increment must be higher than 0');
  const last = lastGiven === null && step === null ? first : lastGiven;
  if (last !== null && first > last) throw new ScheduleError('The minimum value in a range must not be higher than the maximum');
  if (step !== null && step > MAX[name] - MIN[name]) throw new ScheduleError(`the step value (${step}) is higher than the total range of the expression`);
  if (first < MIN[name]) throw new ScheduleError(`the first value (${first}) is lower than the minimum value (${MIN[name]})`);
  if (last !== null && last > MAX[name]) throw new ScheduleError(`the last value (${last}) is higher than the maximum value (${MAX[name]})`);
  // Python's `(self.last or MAX)`: a last value of 0 counts as absent there
  if (step !== null && step > (last || MAX[name]) - first) throw new ScheduleError(`the step value (${step}) is higher than the total range of the expression`);
  return (m) => {
    const low = Math.max(fieldMin(name), first);
    const high = last !== null ? Math.min(fieldMax(name, m), last) : fieldMax(name, m);
    return stepped(Math.max(low, fieldValue(name, m)), low, high, step);
  };
}

function nameIndex(names: string[], text: string, what: string): number {
  const index = names.indexOf(text.toLowerCase());
  if (index < 0) throw new ScheduleError(`Invalid ${what} name "${text}"`);
  return index;
}

function weekdayPosition(option: string, weekdayName: string): Expression {
  const position = POSITIONS.indexOf(option.toLowerCase());
  const weekday = nameIndex(WEEKDAYS, weekdayName, 'weekday');
  return (m) => {
    const last = daysInMonth(m.year, m.month);
    let firstHit = weekday - weekdayOf(m.year, m.month, 1) + 1;
    if (firstHit <= 0) firstHit += 7;
    const target = position < 5 ? firstHit + position * 7 : firstHit + Math.floor((last - firstHit) / 7) * 7;
    return target <= last && target >= m.day ? target : null;
  };
}

const toInt = (text: string | undefined): number | null => (text === undefined ? null : Number(text));

// One comma-separated element, tried against the field's compilers in APScheduler's order. Like
// Python's re.match, the name patterns are anchored at the start only.
function compileExpression(text: string, name: CronFieldName): Expression {
  let match = /^\*(?:\/(\d+))?$/.exec(text);
  if (match) return allExpression(toInt(match[1]), name);
  match = /^(\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(text);
  if (match) return rangeExpression(Number(match[1]), toInt(match[2]), toInt(match[3]), name);
  if (name === 'day') {
    match = /^(1st|2nd|3rd|4th|5th|last) +(\w+)/i.exec(text);
    if (match) return weekdayPosition(match[1], match[2]);
    if (/^last/i.test(text)) return (m) => daysInMonth(m.year, m.month);
  }
  if (name === 'month' || name === 'day_of_week') {
    match = /^([a-z]+)(?:-([a-z]+))?/i.exec(text);
    if (match) {
      const names = name === 'month' ? MONTHS : WEEKDAYS;
      const offset = name === 'month' ? 1 : 0;
      const first = nameIndex(names, match[1], name === 'month' ? 'month' : 'weekday') + offset;
      const last = match[2] === undefined ? null : nameIndex(names, match[2], name === 'month' ? 'month' : 'weekday') + offset;
      return rangeExpression(first, last, null, name);
    }
  }
  throw new ScheduleError(`Unrecognized expression "${text}" for field "${name}"`);
}

export interface CronField {
  name: CronFieldName;
  // the smallest value the field's expressions allow from `m` on, or null
  next(m: Moment): number | null;
}

export function compileField(name: CronFieldName, text: string): CronField {
  const expressions = text.trim().split(/ *, */).map((part) => compileExpression(part, name));
  return {
    name,
    next(m) {
      let smallest: number | null = null;
      for (const expression of expressions) {
        const value = expression(m, name);
        if (value !== null && (smallest === null || value < smallest)) smallest = value;
      }
      return smallest;
    },
  };
}
