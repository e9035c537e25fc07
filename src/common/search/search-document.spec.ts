// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { BadDataFormatError } from '../errors/freezer-errors.js';
import type { JsonValue } from '../json/json.types.js';
import { EMPTY_SEARCH, parseSearch } from './search-document.js';

describe('parseSearch', () => {
  it('reads no body, null and {} as no search at all', () => {
    expect(parseSearch(undefined)).toEqual(EMPTY_SEARCH);
    expect(parseSearch(null)).toEqual(EMPTY_SEARCH);
    expect(parseSearch({})).toEqual(EMPTY_SEARCH);
    expect(parseSearch({ match: [], match_not: [] })).toEqual(EMPTY_SEARCH);
    expect(parseSearch({ match: null, match_not: null })).toEqual(EMPTY_SEARCH);
  });

  it('flattens every pair of every element of match and match_not, in order', () => {
    expect(
      parseSearch({
        match: [{ backup_name: 'etc', level: 1 }, { 'backup_metadata.mode': 'fs' }],
        match_not: [{ hostname: null }, { options: { a: [1, 2] } }],
      }),
    ).toEqual({
      match: [
        ['backup_name', 'etc'],
        ['level', 1],
        ['backup_metadata.mode', 'fs'],
      ],
      matchNot: [
        ['hostname', null],
        ['options', { a: [1, 2] }],
      ],
      freeText: [],
      timeAfter: null,
      timeBefore: null,
    });
  });

  it('keeps both pairs when two elements constrain the same key (they are ANDed later)', () => {
    expect(parseSearch({ match: [{ level: 1 }, { level: 2 }] }).match).toEqual([
      ['level', 1],
      ['level', 2],
    ]);
  });

  it('ignores unknown top-level keys of the search document', () => {
    expect(parseSearch({ limit: 3, sort: 'x', match: [{ a: 1 }] })).toEqual({ ...EMPTY_SEARCH, match: [['a', 1]] });
  });

  describe('_all', () => {
    it('makes a plain string a free-text term, whatever element it stands in', () => {
      expect(parseSearch({ match: [{ hostname: 'h1' }, { _all: 'Etc-Daily' }] })).toEqual({
        ...EMPTY_SEARCH,
        match: [['hostname', 'h1']],
        freeText: ['Etc-Daily'],
      });
    });

    it('keeps several free-text terms, and skips an empty one', () => {
      expect(parseSearch({ match: [{ _all: 'a' }, { _all: '' }, { _all: 'b' }] }).freeText).toEqual(['a', 'b']);
    });

    it('makes a number a free-text term in its JSON text form', () => {
      expect(parseSearch({ match: [{ _all: 1700000000 }] }).freeText).toEqual(['1700000000']);
    });

    it('turns a string holding a JSON list of objects into match pairs (fc: utils.py prepare_search)', () => {
      const search = parseSearch({
        match: [{ _all: '[{"client_id": "node1"}, {"level": 0, "_all": "ignored"}]' }, { hostname: 'h' }],
        match_not: [{ level: 3 }],
      });
      expect(search).toEqual({
        ...EMPTY_SEARCH,
        match: [
          ['client_id', 'node1'],
          ['level', 0],
          ['hostname', 'h'],
        ],
        // D10: match_not stays in force (the reference discarded it)
        matchNot: [['level', 3]],
      });
    });

    it('treats an empty JSON list as no constraint', () => {
      expect(parseSearch({ match: [{ _all: '[]' }] })).toEqual(EMPTY_SEARCH);
    });

    it.each([
      ['[not json', '[not json'],
      ['[1, 2]', '[1, 2]'],
      ['[{"a": 1}, 2]', '[{"a": 1}, 2]'],
      ['{"a": 1}', '{"a": 1}'],
    ])('searches %j as text when it is not a JSON list of objects', (value, term) => {
      expect(parseSearch({ match: [{ _all: value }] })).toEqual({ ...EMPTY_SEARCH, freeText: [term] });
    });

    it('drops _all from match_not', () => {
      expect(parseSearch({ match_not: [{ _all: 'x', level: 1 }] })).toEqual({ ...EMPTY_SEARCH, matchNot: [['level', 1]] });
    });
  });

  it('reads time_after and time_before as epoch seconds', () => {
    expect(parseSearch({ time_after: 1700000000, time_before: 1700000600.5 })).toEqual({
      ...EMPTY_SEARCH,
      timeAfter: 1700000000,
      timeBefore: 1700000600.5,
    });
  });

  describe('malformed bodies', () => {
    it.each<[string, JsonValue, string]>([
      ['a list body', [], 'The search document must be a JSON object'],
      ['a string body', 'backup', 'The search document must be a JSON object'],
      ['a number body', 3, 'The search document must be a JSON object'],
      ['match as an object', { match: { backup_name: 'x' } }, 'The search "match" must be a list of objects'],
      ['match as a string', { match: 'x' }, 'The search "match" must be a list of objects'],
      ['match_not as an object', { match_not: { level: 1 } }, 'The search "match_not" must be a list of objects'],
      ['a scalar element of match', { match: [{ a: 1 }, 2] }, 'Every element of the search "match" must be an object'],
      ['a list element of match', { match: [[{ a: 1 }]] }, 'Every element of the search "match" must be an object'],
      ['a null element of match_not', { match_not: [null] }, 'Every element of the search "match_not" must be an object'],
      ['an empty key', { match: [{ '': 1 }] }, 'The search "match" has an invalid key'],
      ['an over-long key', { match: [{ ['k'.repeat(256)]: 1 }] }, 'The search "match" has an invalid key'],
      ['_all as an object', { match: [{ _all: { a: 1 } }] }, 'The search "_all" value must be a string'],
      ['_all as a list', { match: [{ _all: [{ a: 1 }] }] }, 'The search "_all" value must be a string'],
      ['_all as a boolean', { match: [{ _all: true }] }, 'The search "_all" value must be a string'],
      ['time_after as a string', { time_after: '1700000000' }, 'The search "time_after" must be a number (epoch seconds)'],
      ['time_before as a boolean', { time_before: true }, 'The search "time_before" must be a number (epoch seconds)'],
    ])('rejects %s with BadDataFormatError', (_name, body, description) => {
      expect(() => parseSearch(body)).toThrow(BadDataFormatError);
      expect(() => parseSearch(body)).toThrow(description);
    });

    it('answers 400 Bad request format', () => {
      let caught: unknown;
      try {
        parseSearch({ match: {} });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ status: 400, title: 'Bad request format' });
    });
  });
});
