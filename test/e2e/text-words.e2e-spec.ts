// SPDX-License-Identifier: Apache-2.0
// The word index of the free-text backup search (BackupTextWords migration) may only narrow
// which rows ILIKE checks, never drop one: for every text and term,
//   text ILIKE '%term%'  implies  freezer_text_words(text) @> freezer_term_words(term).
// Checked on PostgreSQL itself, whose lower() both functions and ILIKE use.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { MAX_WORD } from '../../migrations/1764600000000-BackupTextWords.js';
import { escapeLike, hasInnerWord } from '../../src/common/search/search-sql.js';
import { testDatabaseUrl } from '../utils/test-database.js';

interface Verdict {
  text: string;
  term: string;
  matches: boolean;
  words_hold: boolean;
  term_words: string[];
}

describe('freezer_text_words / freezer_term_words', () => {
  let db: pg.Client;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
  });

  async function judge(pairs: Array<[string, string]>): Promise<Verdict[]> {
    const { rows } = await db.query<Verdict>(
      `SELECT p.text, p.term, p.text ILIKE p.pattern AS matches,
              freezer_text_words(p.text) @> freezer_term_words(p.term) AS words_hold,
              freezer_term_words(p.term) AS term_words
         FROM unnest($1::text[], $2::text[], $3::text[]) AS p(text, term, pattern)`,
      [pairs.map(([text]) => text), pairs.map(([, term]) => term), pairs.map(([, term]) => `%${escapeLike(term)}%`)],
    );
    return rows;
  }

  it('splits lower(text) at every character other than a-z and 0-9', async () => {
    const { rows } = await db.query<{ words: string[] }>(`SELECT freezer_text_words($1) AS words`, [
      `Node-0042.Example.COM${String.fromCharCode(31)}/var/lib/app1 x_y Straße`,
    ]);
    expect([...new Set(rows[0].words)].sort()).toEqual(['0042', 'app1', 'com', 'example', 'lib', 'node', 'stra', 'var', 'x', 'y', 'e'].sort());
  });

  it(`leaves out words longer than ${MAX_WORD} characters, in texts and in terms alike`, async () => {
    const long = 'x'.repeat(MAX_WORD + 1);
    const edge = 'y'.repeat(MAX_WORD);
    const { rows } = await db.query<{ words: string[] }>(`SELECT freezer_text_words($1) AS words`, [`a ${long} ${edge} b`]);
    expect(rows[0].words).toEqual(['a', edge, 'b']);
    const verdicts = await judge([[`a ${long} ${edge} b`, ` ${long} `], [`a ${long} ${edge} b`, ` ${edge} `]]);
    expect(verdicts.map((v) => [v.matches, v.words_hold, v.term_words])).toEqual([
      [true, true, []],
      [true, true, [edge]],
    ]);
    expect([hasInnerWord(` ${long} `), hasInnerWord(` ${edge} `)]).toEqual([false, true]);
  });

  it('is inlined by the planner (every backup written evaluates it), and NULL gives NULL', async () => {
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (VERBOSE, COSTS OFF) SELECT freezer_text_words(t) FROM unnest(ARRAY['a-b']) AS t`,
    );
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toContain('regexp_split_to_array');
    expect(plan).not.toContain('freezer_text_words(');
    const nulls = await db.query<{ words: string[] | null }>(`SELECT freezer_text_words(NULL) AS words`);
    expect(nulls.rows).toEqual([{ words: null }]);
  });

  it('takes from a term only the runs with another character on both sides', async () => {
    const verdicts = await judge([
      ['', 'NODE-0042.example'],
      ['', 'node'],
      ['', '/var/lib/app1'],
      ['', '-a-b-'],
      ['', 'x.Ä1b.y'],
    ]);
    expect(verdicts.map((v) => v.term_words)).toEqual([['0042'], [], ['var', 'lib'], ['a', 'b'], ['1b']]);
  });

  it('agrees with hasInnerWord on ASCII terms', async () => {
    const terms = ['NODE-0042.example', 'node', 'node-0042', '/var/lib/', ' Daily ', 'a--', '--', '.x.'];
    const verdicts = await judge(terms.map((term) => ['', term]));
    expect(verdicts.map((v) => v.term_words.length > 0)).toEqual(terms.map(hasInnerWord));
  });

  it('keeps every row ILIKE matches, for hand-picked texts', async () => {
    const texts = [
      'bench-user\u001fnode-0042.example.com\u001f/var/lib/app',
      'xnode-0042.examples',
      'ÄBC-12-ÖÜ',
      'a_b%c\\d',
      'STRASSE-1-straße-2-',
      '\u212A-12-\u212A', // KELVIN SIGN, which lower() may turn into k
      'İstanbul-7-ı',
    ];
    const terms = ['-0042.', 'NODE-0042.EXAMPLE', 'äbc-12-ö', '_b%', 'b%c\\', 'straße-2-', '-12-', 'k-12-k', 'i̇stanbul-7-', '-7-I'];
    const verdicts = await judge(texts.flatMap((text) => terms.map((term): [string, string] => [text, term])));
    expect(verdicts.filter((v) => v.matches && !v.words_hold)).toEqual([]);
    // and the check is not empty: several of these pairs do match
    expect(verdicts.filter((v) => v.matches).length).toBeGreaterThan(5);
  });

  it(`answers the a-z/0-9 runs of lower(text) of at most ${MAX_WORD} characters, in order`, async () => {
    const piece = fc.oneof(
      fc.constantFrom('-', '.', ' ', '\u001f', 'Ä', 'ß', 'İ', 'é'),
      fc.stringMatching(/^[a-zA-Z0-9]{1,12}$/),
      fc.integer({ min: MAX_WORD - 2, max: MAX_WORD + 2 }).map((n) => 'w'.repeat(n)),
    );
    const texts = fc.sample(fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')), { numRuns: 500, seed: 20261130 });
    const { rows } = await db.query<{ text: string; same: boolean; as_indexed_before: boolean }>(
      `SELECT t AS text, freezer_text_words(t) = array(
                SELECT m[1] FROM regexp_matches(lower(t), '[a-z0-9]+', 'g') AS m WHERE length(m[1]) <= ${MAX_WORD}) AS same,
              -- the body before CheaperTextWords, with which existing indexes were built
              freezer_text_words(t) = array_remove(regexp_split_to_array(lower(t), '[^a-z0-9]+|[a-z0-9]{${MAX_WORD + 1},}'), '')
                AS as_indexed_before
         FROM unnest($1::text[]) AS t`,
      [texts],
    );
    expect(rows.filter((row) => !row.same || !row.as_indexed_before)).toEqual([]);
    // the generated texts hold long runs, and texts longer than MAX_WORD without one
    expect(texts.some((t) => /[a-z0-9]{129}/i.test(t))).toBe(true);
    expect(texts.some((t) => t.length > MAX_WORD && !/[a-z0-9]{129}/i.test(t))).toBe(true);
  });

  it('keeps every row ILIKE matches, for generated texts and terms cut from them in any case', async () => {
    const alphabet = fc.constantFrom(...'aAbBzZ09-._/ \u001f%_\\äÄßİıK\u212A'.split(''));
    const text = fc.array(alphabet, { minLength: 1, maxLength: 40 }).map((chars) => chars.join(''));
    const pair = fc.tuple(text, fc.nat(), fc.nat(), fc.array(fc.boolean(), { maxLength: 40 })).map(([t, a, b, flips]): [string, string] => {
      const chars = [...t];
      const from = a % chars.length;
      const to = from + 1 + (b % (chars.length - from));
      const term = chars
        .slice(from, to)
        .map((c, i) => (flips[i] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c))
        .join('');
      return [t, term];
    });
    const pairs = fc.sample(pair, { numRuns: 3000, seed: 20261129 });
    const verdicts = await judge(pairs);
    expect(verdicts.filter((v) => v.matches && !v.words_hold)).toEqual([]);
    // most terms cut from their text still match it, and many of those have words to look up
    const matching = verdicts.filter((v) => v.matches);
    expect(matching.length).toBeGreaterThan(1500);
    expect(matching.filter((v) => v.term_words.length > 0).length).toBeGreaterThan(200);
  });
});
