// SPDX-License-Identifier: Apache-2.0
// APScheduler 3's CronTrigger (apscheduler/triggers/cron/__init__.py) in UTC, at one-second
// resolution: which fields a schedule gives, the defaults of the others, and the search for the
// next matching second, field by field from the most significant.
import {
  CRON_DEFAULTS,
  CRON_FIELD_NAMES,
  type CronField,
  type CronFieldName,
  compileField,
  fieldMax,
  fieldMin,
  fieldValue,
  isRealField,
  type Moment,
} from './cron-fields.js';

export type CronValues = Partial<Record<CronFieldName, string>>;

// Fields after the last one given take their minimum (hour 0 ...), those before it '*'.
export function compileCron(values: CronValues): CronField[] {
  const given = CRON_FIELD_NAMES.filter((name) => values[name] !== undefined);
  const lastGiven = given.at(-1);
  let pastLast = false;
  return CRON_FIELD_NAMES.map((name) => {
    const value = values[name];
    if (value !== undefined) {
      pastLast = name === lastGiven;
      return compileField(name, value);
    }
    return compileField(name, pastLast ? CRON_DEFAULTS[name] : '*');
  });
}

export function momentOf(epochS: number): Moment {
  const d = new Date(epochS * 1000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

export function epochOf(m: Moment): number {
  const d = new Date(0);
  d.setUTCFullYear(m.year, m.month - 1, m.day);
  d.setUTCHours(m.hour, m.minute, m.second, 0);
  return d.getTime() / 1000;
}

// a last safeguard; the calendar horizon below ends every search long before
const MAX_STEPS = 200_000;

// Whether a day matches the month, day, week and day_of_week fields depends only on its year's
// kind: the weekday of January 1st, whether the year is a leap year and whether the one before was
// (the ISO week of early January). Once the search has passed whole years of every kind the year
// field allows, no later year can match: the schedule never fires (APScheduler walks on to 9999
// and answers None). The calendar repeats every 400 years, which bounds the walk in any case.
const YEAR_KINDS = 21;
const CALENDAR_CYCLE_YEARS = 400;
const isLeap = (year: number): boolean => new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
const yearKind = (year: number): number => new Date(Date.UTC(year, 0, 1)).getUTCDay() * 3 + (isLeap(year) ? 1 : isLeap(year - 1) ? 2 : 0);

// The last year the search needs to look at after `fromYear`.
export function horizonYear(fields: CronField[], fromYear: number): number {
  const kinds = new Set<number>();
  let first: number | null = null;
  for (let year = fromYear + 1; year <= 9999; year++) {
    const allowed = fields[0].next({ year, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
    if (allowed === null) return year - 1;
    // the years in between are not allowed by the year field: jump
    year = allowed;
    first ??= year;
    kinds.add(yearKind(year));
    if (kinds.size === YEAR_KINDS || year >= first + CALENDAR_CYCLE_YEARS) return year;
  }
  return 9999;
}

type RealName = Exclude<CronFieldName, 'week' | 'day_of_week'>;

// _increment_field_value: the field one up (skipping the derived week fields), the ones below at
// their minimum; null past year 9999.
function increment(fields: CronField[], m: Moment, fieldnum: number): [Moment, number] | null {
  const values: Partial<Moment> = {};
  let i = 0;
  while (i < fields.length) {
    if (i < 0) return null;
    const name = fields[i].name;
    if (!isRealField(name)) {
      if (i === fieldnum) {
        fieldnum -= 1;
        i -= 1;
      } else i += 1;
      continue;
    }
    if (i < fieldnum) values[name as RealName] = fieldValue(name, m);
    else if (i > fieldnum) values[name as RealName] = fieldMin(name);
    else {
      const value = fieldValue(name, m);
      if (value === fieldMax(name, m)) {
        fieldnum -= 1;
        i -= 1;
        continue;
      }
      values[name as RealName] = value + 1;
    }
    i += 1;
  }
  return [values as Moment, fieldnum];
}

// _set_field_value: this field to `value`, the ones below at their minimum.
function setField(fields: CronField[], m: Moment, fieldnum: number, value: number): Moment {
  const values: Partial<Moment> = {};
  fields.forEach((field, i) => {
    if (!isRealField(field.name)) return;
    const name = field.name as RealName;
    values[name] = i < fieldnum ? fieldValue(name, m) : i > fieldnum ? fieldMin(name) : value;
  });
  return values as Moment;
}

// The first matching second at or after `fromS` (epoch seconds, whole), or null when there is none
// up to `endS`.
export function nextCronFire(fields: CronField[], fromS: number, endS: number | null): number | null {
  let m = momentOf(fromS);
  const lastYear = horizonYear(fields, m.year);
  let fieldnum = 0;
  // a combination that never matches (February 30th) walks up to year 9999 in APScheduler too
  for (let steps = 0; fieldnum >= 0 && fieldnum < fields.length; steps++) {
    if (steps > MAX_STEPS) return null;
    const field = fields[fieldnum];
    const current = fieldValue(field.name, m);
    const next = field.next(m);
    if (next === null || (next > current && !isRealField(field.name))) {
      const moved = increment(fields, m, next === null ? fieldnum - 1 : fieldnum);
      if (!moved) return null;
      [m, fieldnum] = moved;
    } else if (next > current) {
      m = setField(fields, m, fieldnum, next);
      fieldnum += 1;
    } else fieldnum += 1;
    if (m.year > lastYear || (endS !== null && epochOf(m) > endS)) return null;
  }
  return fieldnum >= 0 ? epochOf(m) : null;
}
