// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The search functions that every write runs, cheaper, with identical results (the indexes built
 * on them stay valid).
 *
 * freezer_leaf_pairs, the same pairs for the same document, about twenty times cheaper. It is
 * evaluated for every row written (the leaf_pairs GIN indexes) and for every row a generic-key
 * search checks, and it cost ~0.7 ms a call: its `SET search_path FROM CURRENT` made PostgreSQL
 * plan the function body again on every call. The search_path was pinned so that freezer_pair
 * resolves under the restricted one PostgreSQL 17+ builds indexes with; naming freezer_pair with
 * its schema does that without the clause. The walk over nested objects is a jsonpath now.
 *
 * The result is identical: the same objects, at any depth and through any arrays, the same pairs,
 * DISTINCT and sorted the same way.
 *
 * freezer_key_values answers a key of the top-level object at once, without the SQL of its level
 * walk (a promoted column's key usually sits there: five per backup written).
 */
export class CheaperSearchFunctions1764507600000 implements MigrationInterface {
  name = 'CheaperSearchFunctions1764507600000';

  async up(q: QueryRunner): Promise<void> {
    const pair = `${await currentSchema(q)}.freezer_pair`;
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_leaf_pairs(doc jsonb) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fn$
        SELECT coalesce(array_agg(DISTINCT ${pair}(m.key, m.value)), '{}')
          FROM jsonb_path_query(doc, 'strict $.** ? (@.type() == "object")') AS o, jsonb_each(o) AS m
         WHERE jsonb_typeof(m.value) NOT IN ('object', 'array')
      $fn$`);
    await q.query(keyValues(`
        IF doc ? key THEN RETURN jsonb_build_array(doc -> key); END IF;`));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(keyValues(''));
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_leaf_pairs(doc jsonb) RETURNS text[]
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
  }
}

// freezer_key_values as SearchFunctions made it, with `shortcut` first in its body.
function keyValues(shortcut: string): string {
  return `
      CREATE OR REPLACE FUNCTION freezer_key_values(doc jsonb, key text) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fn$
      DECLARE
        level jsonb := CASE WHEN jsonb_typeof(doc) = 'object' THEN jsonb_build_array(doc) ELSE '[]'::jsonb END;
        found jsonb;
      BEGIN${shortcut}
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
      $fn$`;
}

// The schema the migrations create their objects in, quoted as an identifier.
async function currentSchema(q: QueryRunner): Promise<string> {
  const rows: Array<{ schema: string }> = await q.query(`SELECT quote_ident(current_schema()) AS schema`);
  return rows[0].schema;
}
