// SPDX-License-Identifier: Apache-2.0
import { BadDataFormatError } from '../errors/freezer-errors.js';
import { isJsonObject, type JsonValue } from '../json/json.types.js';

export type SearchPair = readonly [key: string, value: JsonValue];

// A list search (§4.3, D10), checked and normalised: every pair of `match` must hold, none of
// `match_not`; each free-text term must occur in some string or number leaf.
export interface SearchDocument {
  match: SearchPair[];
  matchNot: SearchPair[];
  freeText: string[];
  timeAfter: number | null;
  timeBefore: number | null;
}

export const EMPTY_SEARCH: SearchDocument = { match: [], matchNot: [], freeText: [], timeAfter: null, timeBefore: null };

const FREE_TEXT_KEY = '_all';
const MAX_KEY_LENGTH = 255;

function pairsOf(list: unknown, name: string): SearchPair[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new BadDataFormatError(`The search "${name}" must be a list of objects`);
  const pairs: SearchPair[] = [];
  for (const element of list) {
    if (!isJsonObject(element)) throw new BadDataFormatError(`Every element of the search "${name}" must be an object`);
    for (const [key, value] of Object.entries(element)) {
      if (key === '' || key.length > MAX_KEY_LENGTH) throw new BadDataFormatError(`The search "${name}" has an invalid key`);
      pairs.push([key, value]);
    }
  }
  return pairs;
}

function timeBound(body: Record<string, unknown>, name: string): number | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new BadDataFormatError(`The search "${name}" must be a number (epoch seconds)`);
  return value;
}

// `_all` (fc: utils.py prepare_search): a string holding a JSON list of objects is a match list,
// as upstream; anything else is a free-text term.
function expandFreeText(value: JsonValue, match: SearchPair[], freeText: string[]): void {
  if (typeof value === 'string') {
    const list = parseMatchList(value);
    if (list) match.push(...list);
    else if (value !== '') freeText.push(value);
    return;
  }
  if (typeof value === 'number') {
    freeText.push(String(value));
    return;
  }
  throw new BadDataFormatError('The search "_all" value must be a string');
}

function parseMatchList(text: string): SearchPair[] | null {
  if (!text.trimStart().startsWith('[')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || !parsed.every(isJsonObject)) return null;
  return pairsOf(parsed, 'match').filter(([key]) => key !== FREE_TEXT_KEY);
}

export function parseSearch(body: JsonValue | undefined): SearchDocument {
  if (body === undefined || body === null) return EMPTY_SEARCH;
  if (!isJsonObject(body)) throw new BadDataFormatError('The search document must be a JSON object');
  const match: SearchPair[] = [];
  const freeText: string[] = [];
  for (const [key, value] of pairsOf(body.match, 'match')) {
    if (key === FREE_TEXT_KEY) expandFreeText(value, match, freeText);
    else match.push([key, value]);
  }
  const matchNot = pairsOf(body.match_not, 'match_not').filter(([key]) => key !== FREE_TEXT_KEY);
  return { match, matchNot, freeText, timeAfter: timeBound(body, 'time_after'), timeBefore: timeBound(body, 'time_before') };
}
