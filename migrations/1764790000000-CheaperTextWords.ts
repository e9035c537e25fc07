// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MAX_WORD } from './1764600000000-BackupTextWords.js';

/**
 * freezer_text_words, the same words for a fraction of the CPU.
 *
 * It runs on every backup written (the backups_text_words index) and on every row a word search
 * rechecks. Its split pattern left out long words with a bounded repetition, [a-z0-9]{129,},
 * which PostgreSQL's regular expressions pay for at every character: measured in a loop of 2,000
 * evaluations, 169 us for a 119-character search text and 642 us for 480 characters, against 32
 * and 70 us now. A text holds a run of more than MAX_WORD characters only rarely (an encoded value
 * or a padded key): the split with the bounded repetition runs for such a text alone, and any
 * other is split at the runs of other characters only, which gives the very same array. The index
 * built with the previous body stays valid: every text gives what it gave (same words, same
 * order), which test/e2e/text-words.e2e-spec.ts checks against the previous expression.
 *
 * Still one SQL expression, not STRICT, so that PostgreSQL inlines it (see BackupTextWords).
 */
const SPLIT = `array_remove(regexp_split_to_array(lower(text), '[^a-z0-9]+'), '')`;
const SPLIT_DROPPING_LONG = `array_remove(regexp_split_to_array(lower(text), '[^a-z0-9]+|[a-z0-9]{${MAX_WORD + 1},}'), '')`;

export class CheaperTextWords1764790000000 implements MigrationInterface {
  name = 'CheaperTextWords1764790000000';

  async up(q: QueryRunner): Promise<void> {
    // lower() maps one character to one, so a text of at most MAX_WORD characters has no long run
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_text_words(text text) RETURNS text[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT CASE WHEN length(text) > ${MAX_WORD} AND lower(text) ~ '[a-z0-9]{${MAX_WORD + 1}}'
                    THEN ${SPLIT_DROPPING_LONG} ELSE ${SPLIT} END
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_text_words(text text) RETURNS text[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT ${SPLIT_DROPPING_LONG}
      $fn$`);
  }
}
