// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import type { JsonValue } from '../common/json/json.types.js';

// JSON with object keys sorted at every depth: the same document always gives the same text,
// whatever order its keys were built in (PostgreSQL's JSONB does not keep the order either).
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function documentDigest(value: JsonValue): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}
