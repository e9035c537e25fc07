// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A word index for the free-text backup search (`_all`), beside the trigram one.
 *
 * `_all` is a case-insensitive substring test, search_text ILIKE '%term%', which the trigram index
 * answers. But the backups of one catalogue share most of their trigrams (every host is
 * node-NNNN.example.com, every path /var/...), and PostgreSQL reads the whole posting list of
 * every trigram of the term: at a million backups, 63 of the 77 ms of a search went there.
 *
 * A word is a longest run of the characters a-z and 0-9 in lower(search_text). A word of the term
 * with another character on both sides (the "0042" of "node-0042.example") is a whole word of
 * every backup the term matches: ILIKE compares lower(text) with lower(pattern), so lower(term)
 * occurs in lower(search_text) with the same neighbours. The search looks those words up here,
 * where a host's number is one key among thousands, and checks ILIKE on the rows found.
 * freezer_term_words answers no word for a term without such a run ("node", "example.c"); the
 * search then keeps to the trigram index.
 *
 * Both leave out words longer than MAX_WORD (a GIN key holds at most ~2,700 bytes, and a padded or
 * encoded value can be one word of a megabyte). Left out of both, they cannot break the rule above.
 * GIN drops duplicate keys itself, so the arrays are not deduplicated here.
 *
 * freezer_text_words runs on every backup written, so it is one expression, which PostgreSQL
 * inlines: a split at every run of other characters and at every run too long to keep (the
 * leftmost match at a long run's first character takes all of it). It is not STRICT, because a
 * STRICT function is inlined only when its body is provably strict, and array_remove is not:
 * planned as a function of its own, once per statement, it cost each write ~300 us instead of
 * ~40. A NULL text still gives NULL.
 */
export const MAX_WORD = 128;

export class BackupTextWords1764600000000 implements MigrationInterface {
  name = 'BackupTextWords1764600000000';
  // CREATE INDEX CONCURRENTLY runs outside a transaction. A plain CREATE INDEX would stop every
  // backup write for the whole build (over a minute at a million backups), including the writes of
  // API processes still running while the first new one migrates. Each statement below can run
  // again after an interrupted attempt, which leaves at most an invalid index to replace.
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_text_words(text text) RETURNS text[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT array_remove(regexp_split_to_array(lower(text), '[^a-z0-9]+|[a-z0-9]{${MAX_WORD + 1},}'), '')
      $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_term_words(term text) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        SELECT array(SELECT m[1] FROM regexp_matches(lower(term), '[^a-z0-9]([a-z0-9]+)(?=[^a-z0-9])', 'g') AS m
                      WHERE length(m[1]) <= ${MAX_WORD})
      $fn$`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS backups_text_words`);
    await q.query(`CREATE INDEX CONCURRENTLY backups_text_words ON backups USING gin (freezer_text_words(search_text))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX backups_text_words`);
    await q.query(`DROP FUNCTION freezer_term_words(text)`);
    await q.query(`DROP FUNCTION freezer_text_words(text)`);
  }
}
