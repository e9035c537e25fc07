// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The search functions of every write, planned once per connection instead of once per statement.
 * Same bodies, same results: the indexes built on them stay valid.
 *
 * A write evaluates freezer_leaf_pairs and freezer_doc_text for its row (expression indexes, the
 * backups trigger). A function in LANGUAGE sql that cannot be inlined is parsed and planned again
 * by every statement that calls it; and freezer_pair, declared STRICT around a CASE that PostgreSQL
 * cannot prove strict, was never inlined, so each of a document's ~30 pairs ran as a query of its
 * own. Called once per statement, as a write calls them, freezer_leaf_pairs took ~490 us and
 * freezer_doc_text ~50 us, against ~30 us for the statement's own row lookup.
 *
 * - freezer_pair is no longer STRICT, so the planner inlines it into the query that calls it. Its
 *   result for a NULL argument is still NULL: every branch concatenates the key and the value.
 * - freezer_leaf_pairs and freezer_doc_text are PL/pgSQL, whose query plans live as long as the
 *   connection, and keep one generic plan (the document is a parameter; no plan depends on it).
 */
export class SearchFunctionsPlannedOnce1764603600000 implements MigrationInterface {
  name = 'SearchFunctionsPlannedOnce1764603600000';

  async up(q: QueryRunner): Promise<void> {
    const schema = await currentSchema(q);
    await q.query(pairFunction(''));
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_leaf_pairs(doc jsonb) RETURNS text[]
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 SET plan_cache_mode = force_generic_plan AS $fn$
      BEGIN
        RETURN (SELECT coalesce(array_agg(DISTINCT ${schema}.freezer_pair(m.key, m.value)), '{}')
                  FROM jsonb_path_query(doc, 'strict $.** ? (@.type() == "object")') AS o, jsonb_each(o) AS m
                 WHERE jsonb_typeof(m.value) NOT IN ('object', 'array'));
      END
      $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_doc_text(doc jsonb) RETURNS text
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 SET plan_cache_mode = force_generic_plan AS $fn$
      BEGIN
        RETURN (SELECT coalesce(string_agg(v #>> '{}', chr(31)), '')
                  FROM jsonb_path_query(doc, 'strict $.**') AS v
                 WHERE jsonb_typeof(v) IN ('string', 'number'));
      END
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = await currentSchema(q);
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_doc_text(doc jsonb) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fn$
        SELECT coalesce(string_agg(v #>> '{}', chr(31)), '')
          FROM jsonb_path_query(doc, 'strict $.**') AS v
         WHERE jsonb_typeof(v) IN ('string', 'number')
      $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION freezer_leaf_pairs(doc jsonb) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fn$
        SELECT coalesce(array_agg(DISTINCT ${schema}.freezer_pair(m.key, m.value)), '{}')
          FROM jsonb_path_query(doc, 'strict $.** ? (@.type() == "object")') AS o, jsonb_each(o) AS m
         WHERE jsonb_typeof(m.value) NOT IN ('object', 'array')
      $fn$`);
    await q.query(pairFunction('STRICT'));
  }
}

// freezer_pair as SearchFunctions made it, STRICT or not ('' is CALLED ON NULL INPUT).
function pairFunction(strictness: string): string {
  return `
      CREATE OR REPLACE FUNCTION freezer_pair(key text, value jsonb) RETURNS text
      LANGUAGE sql IMMUTABLE ${strictness} PARALLEL SAFE AS $fn$
        SELECT CASE WHEN octet_length(key) > 256 THEN md5(key) ELSE key END || chr(31) || CASE jsonb_typeof(value)
          WHEN 'number' THEN 'n' || trim_scale((value #>> '{}')::numeric)::text
          WHEN 'string' THEN CASE WHEN octet_length(value #>> '{}') > 1024 THEN 'h' || md5(value #>> '{}') ELSE 's' || (value #>> '{}') END
          WHEN 'boolean' THEN 'b' || (value #>> '{}')
          WHEN 'null' THEN 'z'
          ELSE NULL END
      $fn$`;
}

async function currentSchema(q: QueryRunner): Promise<string> {
  const rows: Array<{ schema: string }> = await q.query(`SELECT quote_ident(current_schema()) AS schema`);
  return rows[0].schema;
}
