// SPDX-License-Identifier: Apache-2.0
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json.types.js';

// What the SQL function freezer_key_values computes, in JavaScript, for the writers that fill a
// table's promoted columns themselves instead of leaving them to its trigger's PL/pgSQL (backups
// and jobs): each mirrors the SQL exactly, down to the order of JSONB's keys, and e2e tests compare
// both on generated documents.

const encoder = new TextEncoder();

// JSONB keeps an object's keys shortest first, then by their bytes (lengthCompareJsonbString).
// For ASCII keys (nearly all) the UTF-16 units are the bytes.
export function jsonbKeys(object: JsonObject): string[] {
  const keys = Object.keys(object);
  if (keys.every((key) => /^[\u0000-\u007f]*$/.test(key))) {
    return keys.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  }
  const keyed = keys.map((key) => ({ key, bytes: encoder.encode(key) }));
  keyed.sort((a, b) => {
    if (a.bytes.length !== b.bytes.length) return a.bytes.length - b.bytes.length;
    for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return a.bytes[i]! - b.bytes[i]!;
    return 0;
  });
  return keyed.map(({ key }) => key);
}

function isContainer(value: JsonValue | undefined): value is JsonObject | JsonValue[] {
  return typeof value === 'object' && value !== null;
}

// freezer_key_values(doc, key): the values of `key` at the shallowest level of objects that has it.
export function keyValues(doc: JsonValue, key: string): JsonValue[] {
  if (!isJsonObject(doc)) return [];
  if (Object.hasOwn(doc, key)) return [doc[key]!];
  let level: JsonObject[] = [doc];
  while (level.length > 0) {
    const found = level.filter((object) => Object.hasOwn(object, key)).map((object) => object[key]!);
    if (found.length > 0) return found;
    // the recursive CTE: the containers among the level's values, then the containers inside
    // those that are arrays, a depth at a time
    let work: Array<JsonObject | JsonValue[]> = [];
    for (const object of level) for (const k of jsonbKeys(object)) if (isContainer(object[k])) work.push(object[k] as JsonObject | JsonValue[]);
    const all = [...work];
    while (work.length > 0) {
      const next: Array<JsonObject | JsonValue[]> = [];
      for (const value of work) if (Array.isArray(value)) for (const element of value) if (isContainer(element)) next.push(element);
      all.push(...next);
      work = next;
    }
    level = all.filter(isJsonObject);
  }
  return [];
}
