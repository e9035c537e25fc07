// SPDX-License-Identifier: Apache-2.0
// the word length the index keeps is the migration's: changing it takes a new migration
import { MAX_WORD } from '../../../migrations/1764600000000-BackupTextWords.js';
import type { JsonValue } from '../json/json.types.js';
import type { SearchDocument, SearchPair } from './search-document.js';
import type { SqlParams } from './sql-params.js';

// How one collection is searched: its JSONB document column, the promoted columns (each holds
// freezer_key_values(doc, key), maintained by a trigger and indexed) and, for backups, the
// time column that time_after/time_before compare.
export interface SearchSpec {
  docColumn: string;
  promotedKeys: Readonly<Record<string, string>>;
  timeColumn?: string;
  // a column holding freezer_doc_text(doc), where the table keeps one (backups)
  textColumn?: string;
  // the table has a GIN index on freezer_text_words(textColumn) (the BackupTextWords migration)
  textWordsIndexed?: boolean;
  // where the indexes that narrow a search are not over docColumn and the promoted columns (jobs)
  narrowing?: SearchNarrowing;
}

// Conditions, answered by indexes, that hold for every row a condition of the search can match
// (a superset: the exact condition is still stated on the document). `scope` is the SQL condition
// on the owner columns (owner_id, project_id) that the list already states, for the narrowing's
// own queries.
export interface SearchNarrowing {
  // rows whose document may hold the key/scalar pair `pair` (SQL of a freezer_pair)
  pair(key: string, pair: string, scope: string): string;
  // rows whose document's text may hold `pattern` (SQL of an ILIKE pattern)
  text(pattern: string, scope: string): string;
  // rows whose promoted column of `key` may contain `values` (SQL of a JSON array), for the keys
  // whose index is elsewhere
  promoted: Readonly<Record<string, (values: string, scope: string) => string>>;
}

// Translates a search document into SQL conditions (D10), all ANDed by the caller. The SQL
// functions it calls are defined by the SearchFunctions migration. `scope` is the caller's
// condition on the owner columns (for a spec's narrowing).
export function compileSearch(search: SearchDocument, spec: SearchSpec, params: SqlParams, scope = 'TRUE'): string[] {
  const conditions: string[] = [];
  for (const pair of search.match) conditions.push(matchPair(pair, spec, params, true, scope));
  for (const pair of search.matchNot) conditions.push(`NOT coalesce(${matchPair(pair, spec, params, false, scope)}, false)`);
  for (const term of search.freeText) conditions.push(freeTextCondition(term, spec, params, scope));
  if (spec.timeColumn && search.timeAfter !== null) conditions.push(`${spec.timeColumn} >= ${params.add(search.timeAfter)}`);
  if (spec.timeColumn && search.timeBefore !== null) conditions.push(`${spec.timeColumn} <= ${params.add(search.timeBefore)}`);
  return conditions;
}

// `_all`: the term anywhere in the document's text, whatever the case. Where the table has a word
// index and the term holds a whole word (see hasInnerWord), the rows come from that index and
// ILIKE checks each; the ILIKE is then stated on `text || ''`, which no index matches, because the
// planner prefers the trigram index for it and the trigram scan is what grows with the catalogue:
// it reads the posting list of every trigram of the term, and most trigrams are in every backup.
function freeTextCondition(term: string, spec: SearchSpec, params: SqlParams, scope: string): string {
  const text = spec.textColumn ?? `freezer_doc_text(${spec.docColumn})`;
  const pattern = params.add(`%${escapeLike(term)}%`);
  // A term holding the separator of the text's leaves can match across two of them, which a
  // narrowing over a part of the document cannot see: it reads every row in scope instead.
  if (spec.narrowing && !term.includes(LEAF_SEPARATOR)) return `(${spec.narrowing.text(pattern, scope)} AND ${text} ILIKE ${pattern})`;
  if (!spec.textWordsIndexed || !hasInnerWord(term)) return `${text} ILIKE ${pattern}`;
  return `(freezer_text_words(${text}) @> freezer_term_words(${params.add(term)}) AND (${text} || '') ILIKE ${pattern})`;
}

// Whether freezer_term_words(term) finds a word: a run of a-z/0-9 of at most MAX_WORD characters
// with another character on both sides, after lowercasing. PostgreSQL's lower() decides the words
// themselves; this only decides whether to ask (a locale whose lower() turns some other character
// into a-z could make the two disagree, which costs time, never a result: an empty word list
// matches every row).
export function hasInnerWord(term: string): boolean {
  for (const [, word] of term.toLowerCase().matchAll(/[^a-z0-9]([a-z0-9]+)(?=[^a-z0-9])/g)) {
    if (word.length <= MAX_WORD) return true;
  }
  return false;
}

// what freezer_doc_text puts between two leaves, chr(31)
const LEAF_SEPARATOR = '\u001f';

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function isScalar(value: JsonValue): value is string | number | boolean {
  return typeof value !== 'object';
}

// `indexed` asks for the GIN pre-filter on generic keys; inside NOT it would only cost time.
function matchPair([key, value]: SearchPair, spec: SearchSpec, params: SqlParams, indexed: boolean, scope: string): string {
  if (key.includes('.')) return matchPath(key.split('.'), value, spec, params);
  const promoted = spec.promotedKeys[key];
  const values = promoted ?? `freezer_key_values(${spec.docColumn}, ${params.add(key)})`;
  if (value === null) {
    // An absent key reads as null (§4.3 point 3).
    return `(${values} = '[]'::jsonb OR ${values} @> '[null]'::jsonb)`;
  }
  if (!isScalar(value)) {
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(${values}) AS v WHERE v = ${params.add(JSON.stringify(value))}::jsonb)`;
  }
  // For scalars, array containment is JSON-typed equality with any of the values ("1" != 1, 1 = 1.0).
  const array = `${params.add(JSON.stringify([value]))}::jsonb`;
  const contains = `${values} @> ${array}`;
  if (!indexed) return contains;
  if (promoted) {
    const elsewhere = spec.narrowing?.promoted[key];
    return elsewhere ? `(${elsewhere(array, scope)} AND ${contains})` : promotedContains(contains);
  }
  const pair = `freezer_pair(${params.add(key)}, ${params.add(JSON.stringify(value))}::jsonb)`;
  const narrowed = spec.narrowing ? spec.narrowing.pair(key, pair, scope) : `freezer_leaf_pairs(${spec.docColumn}) @> ARRAY[${pair}]`;
  return `(${narrowed} AND ${contains})`;
}

// The condition on a promoted column, stated twice. PostgreSQL estimates `jsonb @> constant` from
// the column's statistics, and a value that happens to be one of the histogram's bounds is
// estimated at one bound's share of the rows (1% at the default statistics target), whatever its
// real count. With a page LIMIT, that estimate makes the planner walk the creation-order index and
// filter row by row: at a million backups, one backup name in fifty (the histogram's 101) then took
// 0.5-3 s instead of 3 ms. Two copies of the condition multiply its selectivity (1% -> 0.01%);
// both are answered by the same scan of the GIN index, and a value that really is frequent (a
// most-common value) keeps an estimate high enough for the ordered walk that suits it.
function promotedContains(contains: string): string {
  return `(${contains} AND ${contains})`;
}

// A dotted key is an exact path from the top of the document.
function matchPath(path: string[], value: JsonValue, spec: SearchSpec, params: SqlParams): string {
  const at = `(${spec.docColumn} #> ${params.add(path)}::text[])`;
  if (value === null) return `coalesce(${at}, 'null'::jsonb) = 'null'::jsonb`;
  return `${at} = ${params.add(JSON.stringify(value))}::jsonb`;
}
