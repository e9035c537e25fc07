// SPDX-License-Identifier: Apache-2.0
import { BadDataFormatError, MalformedJsonError } from '../errors/freezer-errors.js';
import type { JsonValue } from '../json/json.types.js';

export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_KEYS = 20_000;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

// Parses a request body as freezer does (api/common/resource.py): JSON whatever the Content-Type,
// on every method; empty means "no body". Then refuses what PostgreSQL's JSONB cannot store (D14)
// and pathological shapes, before any handler sees the document.
export function parseJsonBody(raw: Buffer): JsonValue | undefined {
  let text: string;
  try {
    text = UTF8.decode(raw); // strips a byte-order mark
  } catch {
    throw new MalformedJsonError('The request body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new MalformedJsonError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  checkStorable(value);
  return value;
}

export function checkStorable(root: JsonValue): void {
  let keys = 0;
  const stack: Array<[JsonValue, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      checkString(value);
      continue;
    }
    // 1e309 parses as Infinity, which would be stored as null: refuse it rather than change it
    if (typeof value === 'number' && !Number.isFinite(value)) throw new BadDataFormatError('Numbers must be finite: a number is out of range');
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) throw new BadDataFormatError(`The document is nested deeper than ${MAX_JSON_DEPTH} levels`);
    const entries: Array<[string | null, JsonValue]> = Array.isArray(value)
      ? value.map((item) => [null, item])
      : Object.entries(value);
    keys += entries.length;
    if (keys > MAX_JSON_KEYS) throw new BadDataFormatError(`The document has more than ${MAX_JSON_KEYS} keys and items`);
    for (const [key, item] of entries) {
      if (key !== null) checkString(key);
      stack.push([item, depth + 1]);
    }
  }
}

function checkString(value: string): void {
  if (value.includes('\u0000')) throw new BadDataFormatError('Strings may not contain the NUL character (\\u0000)');
  if (!value.isWellFormed()) throw new BadDataFormatError('Strings may not contain unpaired UTF-16 surrogates');
}
