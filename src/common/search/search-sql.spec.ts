// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { EMPTY_SEARCH, parseSearch, type SearchDocument } from './search-document.js';
import { compileSearch, escapeLike, hasInnerWord, type SearchSpec } from './search-sql.js';
import { SqlParams } from './sql-params.js';

// Shaped like the backups' spec: two promoted keys and a time column.
const WITH_TIME: SearchSpec = {
  docColumn: 'doc',
  promotedKeys: { backup_name: 'backup_name', level: 'level' },
  timeColumn: 'time_stamp',
};
const WITHOUT_TIME: SearchSpec = { docColumn: 'doc', promotedKeys: { client_id: 'client_id' } };
const WITH_TEXT_COLUMN: SearchSpec = { ...WITHOUT_TIME, textColumn: 'search_text' };
const WITH_TEXT_WORDS: SearchSpec = { ...WITH_TEXT_COLUMN, textWordsIndexed: true };

function compile(search: Partial<SearchDocument>, spec: SearchSpec = WITH_TIME, initial: unknown[] = []) {
  const params = new SqlParams(initial);
  const conditions = compileSearch({ ...EMPTY_SEARCH, ...search }, spec, params);
  return { conditions, params: params.values };
}

describe('compileSearch', () => {
  it('adds no condition for an empty search', () => {
    expect(compile({})).toEqual({ conditions: [], params: [] });
  });

  it('numbers its parameters after the ones already collected', () => {
    expect(compile({ match: [['backup_name', 'etc']] }, WITH_TIME, ['owner', 'project'])).toEqual({
      conditions: ['(backup_name @> $3::jsonb AND backup_name @> $3::jsonb)'],
      params: ['owner', 'project', '["etc"]'],
    });
  });

  describe('bare keys', () => {
    // stated twice for the planner's estimate (see promotedContains)
    it('compares a promoted key by containment in its indexed column (JSON-typed, any of the values)', () => {
      expect(compile({ match: [['level', 1]] })).toEqual({ conditions: ['(level @> $1::jsonb AND level @> $1::jsonb)'], params: ['[1]'] });
      expect(compile({ match: [['level', '1']] }).params).toEqual(['["1"]']);
      expect(compile({ match: [['level', true]] }).params).toEqual(['[true]']);
    });

    it('narrows a generic key with the GIN pre-filter over leaf pairs, then checks the shallowest values', () => {
      expect(compile({ match: [['mode', 'fs']] })).toEqual({
        conditions: ['(freezer_leaf_pairs(doc) @> ARRAY[freezer_pair($3, $4::jsonb)] AND freezer_key_values(doc, $1) @> $2::jsonb)'],
        params: ['mode', '["fs"]', 'mode', '"fs"'],
      });
    });

    it('matches null as "absent or null", on promoted and generic keys', () => {
      expect(compile({ match: [['level', null]] })).toEqual({
        conditions: [`(level = '[]'::jsonb OR level @> '[null]'::jsonb)`],
        params: [],
      });
      expect(compile({ match: [['storage', null]] })).toEqual({
        conditions: [`(freezer_key_values(doc, $1) = '[]'::jsonb OR freezer_key_values(doc, $1) @> '[null]'::jsonb)`],
        params: ['storage'],
      });
    });

    it('compares an object or a list value for exact equality with one of the values, never containment', () => {
      expect(compile({ match: [['options', { a: 1, b: [2] }]] })).toEqual({
        conditions: ['EXISTS (SELECT 1 FROM jsonb_array_elements(freezer_key_values(doc, $1)) AS v WHERE v = $2::jsonb)'],
        params: ['options', '{"a":1,"b":[2]}'],
      });
      expect(compile({ match: [['backup_name', ['a', 'b']]] })).toEqual({
        conditions: ['EXISTS (SELECT 1 FROM jsonb_array_elements(backup_name) AS v WHERE v = $1::jsonb)'],
        params: ['["a","b"]'],
      });
    });
  });

  describe('dotted paths', () => {
    it('compare the value at that exact path from the top of the document', () => {
      expect(compile({ match: [['backup_metadata.level', 1]] })).toEqual({
        conditions: ['(doc #> $1::text[]) = $2::jsonb'],
        params: [['backup_metadata', 'level'], '1'],
      });
    });

    it('are never promoted, even when the last segment is a promoted key', () => {
      expect(compile({ match: [['backup_metadata.backup_name', 'etc']] }).conditions).toEqual(['(doc #> $1::text[]) = $2::jsonb']);
    });

    it('match null when the path is absent or null', () => {
      expect(compile({ match: [['client.description', null]] })).toEqual({
        conditions: [`coalesce((doc #> $1::text[]), 'null'::jsonb) = 'null'::jsonb`],
        params: [['client', 'description']],
      });
    });

    it('compare objects by JSONB equality', () => {
      expect(compile({ match: [['backup_metadata.options', { b: [1], a: 1 }]] })).toEqual({
        conditions: ['(doc #> $1::text[]) = $2::jsonb'],
        params: [['backup_metadata', 'options'], '{"b":[1],"a":1}'],
      });
    });
  });

  describe('match_not', () => {
    it('wraps each pair in NOT coalesce(..., false), so that an unknown (NULL) result keeps the document', () => {
      expect(compile({ matchNot: [['backup_name', 'etc']] })).toEqual({
        conditions: ['NOT coalesce(backup_name @> $1::jsonb, false)'],
        params: ['["etc"]'],
      });
      expect(compile({ matchNot: [['backup_metadata.level', 2]] })).toEqual({
        conditions: ['NOT coalesce((doc #> $1::text[]) = $2::jsonb, false)'],
        params: [['backup_metadata', 'level'], '2'],
      });
    });

    it('skips the GIN pre-filter for generic keys (it cannot help under NOT)', () => {
      expect(compile({ matchNot: [['mode', 'fs']] })).toEqual({
        conditions: ['NOT coalesce(freezer_key_values(doc, $1) @> $2::jsonb, false)'],
        params: ['mode', '["fs"]'],
      });
    });

    it('keeps the null test inside the NOT', () => {
      expect(compile({ matchNot: [['level', null]] }).conditions).toEqual([
        `NOT coalesce((level = '[]'::jsonb OR level @> '[null]'::jsonb), false)`,
      ]);
    });
  });

  describe('free text (_all)', () => {
    it('tests the document text with ILIKE, the term escaped and wrapped in %', () => {
      expect(compile({ freeText: ['Etc-Daily'] })).toEqual({
        conditions: ['freezer_doc_text(doc) ILIKE $1'],
        params: ['%Etc-Daily%'],
      });
    });

    it('makes %, _ and \\ literal', () => {
      expect(compile({ freeText: ['50% off_now\\x'] }).params).toEqual(['%50\\% off\\_now\\\\x%']);
    });

    it('adds one condition per term', () => {
      expect(compile({ freeText: ['a', 'b'] }).conditions).toEqual(['freezer_doc_text(doc) ILIKE $1', 'freezer_doc_text(doc) ILIKE $2']);
    });

    it('turns a JSON list of objects into ordinary match conditions', () => {
      const search = parseSearch({ match: [{ _all: '[{"client_id": "node1"}, {"client.hostname": "h"}]' }] });
      expect(compile(search, WITHOUT_TIME)).toEqual({
        conditions: ['(client_id @> $1::jsonb AND client_id @> $1::jsonb)', '(doc #> $2::text[]) = $3::jsonb'],
        params: ['["node1"]', ['client', 'hostname'], '"h"'],
      });
    });
  });

  describe('time_after / time_before', () => {
    it('compare the time column of a spec that has one', () => {
      expect(compile({ timeAfter: 100, timeBefore: 200 })).toEqual({
        conditions: ['time_stamp >= $1', 'time_stamp <= $2'],
        params: [100, 200],
      });
    });

    it('are ignored by a spec without a time column', () => {
      expect(compile({ timeAfter: 100, timeBefore: 200 }, WITHOUT_TIME)).toEqual({ conditions: [], params: [] });
    });
  });

  it('reads free text from the stored column when the table keeps one', () => {
    expect(compile({ freeText: ['Node'] }, WITH_TEXT_COLUMN)).toEqual({ conditions: ['search_text ILIKE $1'], params: ['%Node%'] });
  });

  describe('free text on a table with a word index', () => {
    it('looks up the whole words of the term in the index, then checks ILIKE on an expression no index answers', () => {
      expect(compile({ freeText: ['NODE-0042.example'] }, WITH_TEXT_WORDS)).toEqual({
        conditions: [`(freezer_text_words(search_text) @> freezer_term_words($2) AND (search_text || '') ILIKE $1)`],
        params: ['%NODE-0042.example%', 'NODE-0042.example'],
      });
    });

    it('keeps to the trigram index when the term has no word with a neighbour on both sides', () => {
      for (const term of ['node', 'node-0042', '0042.example', 'x.y', '--']) {
        expect(compile({ freeText: [term] }, WITH_TEXT_WORDS).conditions).toEqual(['search_text ILIKE $1']);
      }
    });
  });

  it('emits match, then match_not, then free text, then time conditions', () => {
    const search = parseSearch({
      match: [{ backup_name: 'etc' }, { _all: 'node' }],
      match_not: [{ level: 0 }],
      time_after: 5,
    });
    expect(compile(search)).toEqual({
      conditions: ['(backup_name @> $1::jsonb AND backup_name @> $1::jsonb)', 'NOT coalesce(level @> $2::jsonb, false)', 'freezer_doc_text(doc) ILIKE $3', 'time_stamp >= $4'],
      params: ['["etc"]', '[0]', '%node%', 5],
    });
  });
});

describe('hasInnerWord', () => {
  it('finds a run of letters or digits with another character on both sides, in any case', () => {
    expect(hasInnerWord('NODE-0042.example')).toBe(true);
    expect(hasInnerWord('/var/lib/')).toBe(true);
    expect(hasInnerWord(' Daily ')).toBe(true);
    expect(hasInnerWord('a-b-c')).toBe(true);
  });

  it('finds none at the ends of the term, where the document may continue the word', () => {
    expect(hasInnerWord('node-0042')).toBe(false);
    expect(hasInnerWord('-node')).toBe(false);
    expect(hasInnerWord('example.com')).toBe(false);
    expect(hasInnerWord('a--')).toBe(false);
    expect(hasInnerWord('')).toBe(false);
  });

  it('finds none longer than the longest word the index keeps', () => {
    expect(hasInnerWord(`-${'a'.repeat(128)}-`)).toBe(true);
    expect(hasInnerWord(`-${'a'.repeat(129)}-`)).toBe(false);
    expect(hasInnerWord(`-${'a'.repeat(129)}-b-`)).toBe(true);
  });

  it('counts letters beyond a-z as separators, as freezer_term_words does', () => {
    expect(hasInnerWord('é0042é')).toBe(true);
    expect(hasInnerWord('xé0042')).toBe(false);
  });
});

describe('escapeLike', () => {
  it('escapes the LIKE wildcards and the escape character itself', () => {
    expect(escapeLike('a%b_c\\d')).toBe('a\\%b\\_c\\\\d');
    expect(escapeLike('plain text')).toBe('plain text');
  });
});
