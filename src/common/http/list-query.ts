// SPDX-License-Identifier: Apache-2.0
import { InvalidParameterError } from '../errors/freezer-errors.js';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10_000;
const MAX_OFFSET = 2_147_483_647;

export interface Paging {
  limit: number;
  offset: number;
  marker: string | null;
}

export type RawQuery = Record<string, unknown>;

// freezer (falcon): blank values are dropped and a repeated parameter takes its last value (D9).
export function queryValue(query: RawQuery, name: string): string | undefined {
  let value = query[name];
  if (Array.isArray(value)) value = value.at(-1);
  if (typeof value !== 'string') return undefined;
  return value.trim() === '' ? undefined : value.trim();
}

function integerParam(query: RawQuery, name: string, max: number): number | undefined {
  const raw = queryValue(query, name);
  if (raw === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(raw)) throw new InvalidParameterError(name, 'The value must be an integer.');
  const value = Number(raw);
  if (value < 0) throw new InvalidParameterError(name, 'The value must be at least 0.');
  if (value > max) throw new InvalidParameterError(name, `The value must be at most ${max}.`);
  return value;
}

// limit: 10 by default (0 and blank mean 10), at most 10000; offset >= 0; marker: an id (D9).
export function parsePaging(query: RawQuery): Paging {
  const limit = integerParam(query, 'limit', MAX_LIMIT);
  const offset = integerParam(query, 'offset', MAX_OFFSET) ?? 0;
  const marker = queryValue(query, 'marker') ?? null;
  if (marker !== null && (marker.length > 255 || marker.includes('\u0000') || !marker.isWellFormed())) {
    throw new InvalidParameterError('marker', 'The value must be a document id.');
  }
  return { limit: limit === undefined || limit === 0 ? DEFAULT_LIMIT : limit, offset, marker };
}

// falcon's get_param_as_bool, which freezer 2026 applies to all_projects: the newest CLI and
// scheduler always send all_projects=False (or True), as Python prints a bool.
const TRUE_VALUES = new Set(['true', 'True', 't', 'yes', 'y', '1', 'on']);
const FALSE_VALUES = new Set(['false', 'False', 'f', 'no', 'n', '0', 'off']);

export function booleanParam(query: RawQuery, name: string): boolean {
  const raw = queryValue(query, name);
  if (raw === undefined || FALSE_VALUES.has(raw)) return false;
  if (TRUE_VALUES.has(raw)) return true;
  throw new InvalidParameterError(name, 'The value must be true or false.');
}
