// SPDX-License-Identifier: Apache-2.0
import { jsonEqual } from '../../common/json/json-equal.js';
import { isJsonObject, type JsonValue } from '../../common/json/json.types.js';

// api/v2/jobs.py Action.__eq__: two freezer_action documents are the same action when they agree
// on every key but _version and user_id, a missing key counting as null.
const IGNORED = new Set(['_version', 'user_id']);

export function sameFreezerAction(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (!isJsonObject(a) || !isJsonObject(b)) return jsonEqual(a ?? null, b ?? null);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (IGNORED.has(key)) continue;
    if (!jsonEqual(a[key] ?? null, b[key] ?? null)) return false;
  }
  return true;
}
