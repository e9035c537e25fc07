// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The platform: the settings table that records the ownership scope (D4) and the SQL functions the
 * search engine (D10) compiles to. They live in the database, not in Node, so that promoted
 * columns, expression indexes and queries all share one definition of "what a key matches".
 *
 * Depth counts object members only: an object inside an array sits at the depth of the array.
 *
 * The functions that walk a whole document declare a high COST: the planner then reads the
 * indexes built on them rather than calling them on every row of an owner's documents.
 */
export class SearchFunctions1764428400000 implements MigrationInterface {
  name = 'SearchFunctions1764428400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE TABLE freezer_settings (name text PRIMARY KEY, value text NOT NULL)`);

    // The values of `key` at the shallowest depth where it occurs (a set: ties are all kept), as a
    // JSON array; [] when the key occurs nowhere.
    await q.query(`
      CREATE FUNCTION freezer_key_values(doc jsonb, key text) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fn$
      DECLARE
        level jsonb := CASE WHEN jsonb_typeof(doc) = 'object' THEN jsonb_build_array(doc) ELSE '[]'::jsonb END;
        found jsonb;
      BEGIN
        WHILE jsonb_array_length(level) > 0 LOOP
          SELECT jsonb_agg(o -> key) INTO found
            FROM jsonb_array_elements(level) AS o WHERE o ? key;
          IF found IS NOT NULL THEN RETURN found; END IF;
          WITH RECURSIVE child(v) AS (
            SELECT m.value FROM jsonb_array_elements(level) AS o, jsonb_each(o) AS m
             WHERE jsonb_typeof(m.value) IN ('object', 'array')
            UNION ALL
            SELECT e.value FROM child, jsonb_array_elements(child.v) AS e
             WHERE jsonb_typeof(child.v) = 'array' AND jsonb_typeof(e.value) IN ('object', 'array')
          )
          SELECT coalesce(jsonb_agg(v), '[]'::jsonb) INTO level FROM child WHERE jsonb_typeof(v) = 'object';
        END LOOP;
        RETURN '[]'::jsonb;
      END
      $fn$`);

    // A canonical text for one key/scalar pair: numbers compare by value (1 = 1.0), types apart.
    // A long key or string is replaced by its md5 (a string's tagged apart from its text): a GIN entry
    // may not exceed ~2.7 kB, and a document holding a long value must still be stored.
    await q.query(`
      CREATE FUNCTION freezer_pair(key text, value jsonb) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        SELECT CASE WHEN octet_length(key) > 256 THEN md5(key) ELSE key END || chr(31) || CASE jsonb_typeof(value)
          WHEN 'number' THEN 'n' || trim_scale((value #>> '{}')::numeric)::text
          WHEN 'string' THEN CASE WHEN octet_length(value #>> '{}') > 1024 THEN 'h' || md5(value #>> '{}') ELSE 's' || (value #>> '{}') END
          WHEN 'boolean' THEN 'b' || (value #>> '{}')
          WHEN 'null' THEN 'z'
          ELSE NULL END
      $fn$`);

    // Every key/scalar pair at any depth: a GIN-indexable superset of freezer_key_values, used to
    // narrow a generic-key search before the exact check. Its search_path is pinned because
    // PostgreSQL 17+ builds indexes under a restricted one, where freezer_pair would not resolve.
    await q.query(`
      CREATE FUNCTION freezer_leaf_pairs(doc jsonb) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 SET search_path FROM CURRENT AS $fn$
        WITH RECURSIVE node(v) AS (
          SELECT doc
          UNION ALL
          SELECT c.value FROM node, LATERAL (
            SELECT value FROM jsonb_each(CASE WHEN jsonb_typeof(node.v) = 'object' THEN node.v END)
            UNION ALL
            SELECT value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(node.v) = 'array' THEN node.v END)
          ) AS c WHERE jsonb_typeof(c.value) IN ('object', 'array')
        )
        SELECT coalesce(array_agg(DISTINCT freezer_pair(m.key, m.value)), '{}')
          FROM node, jsonb_each(node.v) AS m
         WHERE jsonb_typeof(node.v) = 'object' AND jsonb_typeof(m.value) NOT IN ('object', 'array')
      $fn$`);

    // The text a free-text search reads: every string and number leaf, one per line-like unit.
    await q.query(`
      CREATE FUNCTION freezer_doc_text(doc jsonb) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fn$
        SELECT coalesce(string_agg(v #>> '{}', chr(31)), '')
          FROM jsonb_path_query(doc, 'strict $.**') AS v
         WHERE jsonb_typeof(v) IN ('string', 'number')
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION freezer_doc_text(jsonb)`);
    await q.query(`DROP FUNCTION freezer_leaf_pairs(jsonb)`);
    await q.query(`DROP FUNCTION freezer_pair(text, jsonb)`);
    await q.query(`DROP FUNCTION freezer_key_values(jsonb, text)`);
    await q.query(`DROP TABLE freezer_settings`);
  }
}
