// SPDX-License-Identifier: Apache-2.0
import { isJsonObject, type JsonObject, type JsonValue } from './json.types.js';

// PATCH semantics (D7): objects merge key by key at every depth; arrays, scalars and null replace.
// Neither input is modified.
export function mergeDocument<T extends JsonObject>(existing: T, patch: JsonObject): T {
  const merged: JsonObject = { ...existing };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    merged[key] = isJsonObject(current) && isJsonObject(value) ? mergeDocument(current, value) : cloneJson(value);
  }
  return merged as T;
}

function cloneJson(value: JsonValue): JsonValue {
  return typeof value === 'object' && value !== null ? (structuredClone(value) as JsonValue) : value;
}
