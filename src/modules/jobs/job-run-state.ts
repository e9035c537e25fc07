// SPDX-License-Identifier: Apache-2.0
import { RUN_KEYS } from '../../../migrations/1765100000000-JobRunState.js';
import { jsonEqual } from '../../common/json/json-equal.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';

const RUN_KEY_SET: ReadonlySet<string> = new Set(RUN_KEYS);

/**
 * The run state to store for a write that turns `before` into `after`, when the two differ in
 * job_schedule's run keys alone (what freezer-scheduler changes when a run starts or ends) and
 * each of those keys holds a scalar: job_schedule's run keys of `after`. null for any other write,
 * which stores the whole document. See the JobRunState migration: the run state is written
 * without touching any index of the jobs table.
 *
 * A scalar, because the indexes over the stored document must still hold every key of the
 * document but the run keys themselves (an object under a run key would bring keys of its own).
 */
export function runStateWrite(before: JsonObject, after: JsonObject): JsonObject | null {
  const was = before.job_schedule;
  const is = after.job_schedule;
  if (!isJsonObject(was) || !isJsonObject(is)) return null;
  if (!sameExcept(before, after, (key) => key === 'job_schedule')) return null;
  if (!sameExcept(was, is, (key) => RUN_KEY_SET.has(key))) return null;
  const run: JsonObject = {};
  for (const key of RUN_KEYS) {
    if (!Object.hasOwn(is, key)) continue;
    const value = is[key]!;
    if (isContainer(value)) return null;
    run[key] = value;
  }
  return run;
}

// Whether a and b hold the same keys with equal values, leaving out the keys `skipped` names.
function sameExcept(a: JsonObject, b: JsonObject, skipped: (key: string) => boolean): boolean {
  let kept = 0;
  for (const key of Object.keys(a)) {
    if (skipped(key)) continue;
    kept++;
    if (!Object.hasOwn(b, key) || !jsonEqual(a[key]!, b[key]!)) return false;
  }
  return Object.keys(b).filter((key) => !skipped(key)).length === kept;
}

function isContainer(value: JsonValue): boolean {
  return typeof value === 'object' && value !== null;
}
