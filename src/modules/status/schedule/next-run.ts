// SPDX-License-Identifier: Apache-2.0
// When freezer-scheduler will start a job next, read from its job_schedule as the scheduler reads
// it (freezer/scheduler/scheduler_job.py get_schedule_args, with APScheduler 3's date, interval and
// cron triggers and the scheduler's misfire_grace_time of one hour). Dates without a zone are read
// in UTC, the scheduler node's local time in the deployments this serves.
import type { JsonObject, JsonValue } from '../../../common/json/json.types.js';
import { CRON_FIELD_NAMES, ScheduleError } from './cron-fields.js';
import { type CronValues, compileCron, epochOf, nextCronFire } from './cron-trigger.js';

export type ScheduleKind = 'date' | 'interval' | 'cron' | 'immediate';

export interface JobTimes {
  // when the scheduler (re)created the job's trigger: it picked the job up, or was told to start it
  armedAt: number;
  // the last run, epoch seconds; -1 or null: none
  timeStarted: number | null;
  timeEnded: number | null;
}

export interface NextRun {
  kind: ScheduleKind | null;
  // epoch seconds of the next start the schedule calls for (null: it calls for none)
  nextRun: number | null;
  // seconds between two runs of a recurring schedule
  intervalS: number | null;
  // why the scheduler cannot schedule the job (it then marks it completed and never runs it)
  error: string | null;
}

// freezer-scheduler's misfire_grace_time: a run more than this late is skipped
export const MISFIRE_GRACE_S = 3600;
// runs that started this long before the trigger was armed still count as runs of it (clock skew)
const ARMED_SKEW_S = 120;
// the last second APScheduler's datetimes reach (year 9999): a run past it never happens, and
// anything larger would not fit the report's bigint columns either
export const LAST_EPOCH_S = 253_402_300_799;
const INTERVAL_UNITS: Record<string, number> = { weeks: 604_800, days: 86_400, hours: 3600, minutes: 60, seconds: 1 };

// datetime.strptime(date, "%Y-%m-%dT%H:%M:%S"): no fraction, no zone.
function strictDate(text: JsonValue): number {
  const m = typeof text === 'string' ? /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(text) : null;
  if (!m) throw new ScheduleError(`time data ${JSON.stringify(text)} does not match format '%Y-%m-%dT%H:%M:%S'`);
  return checkedEpoch(m.slice(1, 7).map(Number));
}

function checkedEpoch([year, month, day, hour, minute, second]: number[]): number {
  const epoch = epochOf({ year, month, day, hour, minute, second });
  const back = new Date(epoch * 1000);
  if (back.getUTCMonth() + 1 !== month || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new ScheduleError(`invalid date ${year}-${month}-${day}T${hour}:${minute}:${second}`);
  }
  return epoch;
}

// APScheduler's convert_to_datetime for the run date of a date trigger.
function runDate(text: JsonValue): number {
  const m =
    typeof text === 'string'
      ? /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)?)?$/.exec(text)
      : null;
  if (!m) throw new ScheduleError('Invalid date string');
  const local = checkedEpoch(m.slice(1, 7).map((part) => Number(part ?? 0)));
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return local;
  const [hours, minutes] = zone.slice(1).split(':').map(Number);
  return local - (zone[0] === '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
}

const present = (value: JsonValue | undefined): value is JsonValue =>
  value !== undefined && value !== null && value !== '' && value !== false && value !== 0;

function intervalSeconds(text: JsonValue): number {
  if (text === 'continuous') return 1;
  const parts = typeof text === 'string' ? text.split(' ') : [];
  if (parts.length !== 2) throw new ScheduleError(`cannot read the interval ${JSON.stringify(text)}`);
  const [value, unit] = parts;
  if (!/^\s*[+-]?\d+\s*$/.test(value) || !(unit in INTERVAL_UNITS)) throw new ScheduleError(`cannot read the interval ${JSON.stringify(text)}`);
  const seconds = Number(value) * INTERVAL_UNITS[unit];
  if (seconds < 0) throw new ScheduleError('the interval is negative');
  // Python's timedelta refuses it (OverflowError): the scheduler cannot create the trigger
  if (!Number.isSafeInteger(seconds) || seconds > LAST_EPOCH_S) throw new ScheduleError(`the interval ${JSON.stringify(text)} is too long: the job never runs`);
  // IntervalTrigger: a zero interval becomes one second
  return seconds === 0 ? 1 : seconds;
}

// schedule_year ... schedule_second, the keys freezer-scheduler passes on to CronTrigger
function cronValues(schedule: JsonObject): CronValues | null {
  const values: CronValues = {};
  let any = false;
  for (const name of CRON_FIELD_NAMES) {
    const key = `schedule_${name}`;
    if (!(key in schedule)) continue;
    any = true;
    const value = schedule[key];
    if (value === null) continue; // CronTrigger drops None: the field is as if not given
    if (typeof value !== 'string' && typeof value !== 'number') throw new ScheduleError(`Unrecognized expression for field "${name}"`);
    values[name] = String(value);
  }
  return any ? values : null;
}

// get_start_date and get_end_date: a start date in the past means "two seconds after pick-up", an
// end date before the start date means no end, and an end date without a start date is ignored.
function startAndEnd(schedule: JsonObject, armedAt: number): { start: number | null; end: number | null } {
  if (!present(schedule.schedule_start_date)) return { start: null, end: null };
  const startGiven = strictDate(schedule.schedule_start_date);
  const start = startGiven > armedAt ? startGiven : armedAt + 2;
  if (!present(schedule.schedule_end_date)) return { start, end: null };
  const end = strictDate(schedule.schedule_end_date);
  return { start, end: startGiven > end ? null : end };
}

function previousRun(times: JobTimes): { started: number; ended: number } | null {
  const started = times.timeStarted ?? -1;
  if (started < 0 || started < times.armedAt - ARMED_SKEW_S) return null;
  return { started, ended: Math.max(started, times.timeEnded ?? -1) };
}

export function nextRunOf(schedule: JsonObject, times: JobTimes): NextRun {
  try {
    return withinCalendar(triggerOf(schedule, times));
  } catch (error) {
    if (error instanceof ScheduleError) return { kind: null, nextRun: null, intervalS: null, error: error.message };
    throw error;
  }
}

// A next run past year 9999 (or not a whole number) is one the scheduler can never reach.
function withinCalendar(run: NextRun): NextRun {
  const reachable = (value: number | null) => value === null || (Number.isSafeInteger(value) && value >= 0 && value <= LAST_EPOCH_S);
  if (!reachable(run.nextRun)) throw new ScheduleError('the next run falls after the year 9999: the job never runs');
  if (!reachable(run.intervalS)) return { ...run, intervalS: null };
  return run;
}

function triggerOf(schedule: JsonObject, times: JobTimes): NextRun {
  const { start, end } = startAndEnd(schedule, times.armedAt);
  const previous = previousRun(times);
  if (present(schedule.schedule_date)) {
    const date = runDate(schedule.schedule_date);
    if (previous) return { kind: 'date', nextRun: null, intervalS: null, error: null };
    if (date < times.armedAt - MISFIRE_GRACE_S) {
      return { kind: 'date', nextRun: null, intervalS: null, error: 'the schedule_date had passed more than an hour before the scheduler took the job: it never runs' };
    }
    return { kind: 'date', nextRun: date, intervalS: null, error: null };
  }
  if (present(schedule.schedule_interval)) {
    const interval = intervalSeconds(schedule.schedule_interval);
    let next: number;
    if (!previous) next = start ?? times.armedAt + interval;
    // runs fall on a grid from the last start; those due while it still ran are skipped
    else next = previous.started + interval * Math.max(1, Math.floor((previous.ended - previous.started) / interval) + 1);
    return { kind: 'interval', nextRun: end !== null && next > end ? null : next, intervalS: interval, error: null };
  }
  const cron = cronValues(schedule);
  if (cron) {
    const fields = compileCron(cron);
    const from = previous ? previous.ended + 1 : Math.max(times.armedAt, start ?? times.armedAt);
    const next = nextCronFire(fields, from, end);
    const after = next === null ? null : nextCronFire(fields, next + 1, null);
    return { kind: 'cron', nextRun: next, intervalS: next !== null && after !== null ? after - next : null, error: null };
  }
  // no schedule: the scheduler starts the job two seconds after taking it, once
  return { kind: 'immediate', nextRun: previous ? null : times.armedAt + 2, intervalS: null, error: null };
}
