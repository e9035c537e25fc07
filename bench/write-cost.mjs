// SPDX-License-Identifier: Apache-2.0
// Where PostgreSQL's time goes when a backup is written, measured inside PostgreSQL so that the
// HTTP stack and the shared machine's scheduling count as little as possible:
//
//   npm run build && node bench/write-cost.mjs
//
// On a scratch database migrated as the service does (DATABASE_URL's server; default
// postgres://postgres@127.0.0.1:5432/postgres), with WRITE_COST_ROWS (20000) backups of one
// owner already there and analyzed:
// 1. each search-key function on one freezer-agent document, in a PL/pgSQL loop of 2,000 calls;
// 2. the service's INSERT of a backup, 1,000 times in a PL/pgSQL loop (one statement each, the
//    triggers and every index as a write runs them, without the network and the commit), in a
//    transaction rolled back afterwards, once per variant: with the search columns computed by the
//    table's trigger (as any other writer has them) or handed in by the writer (as the API's POST
//    does), then the writer's way without the newest-backup trigger, without each GIN index, without any. The variants
//    take turns, WRITE_COST_ROUNDS (5) times, and the median of each is printed: what a part
//    costs is the difference to the API's way.
// GIN indexes collect entries in a pending list and merge it when it passes 4 MB, so a loop's
// figure depends on where the list stood: the rounds and the median even that out.
import { DataSource } from 'typeorm';
import pg from 'pg';
import { MIGRATIONS } from '../dist/src/database/migrations.js';
import { buildTypeOrmOptions } from '../dist/src/database/typeorm.options.js';
import { createScratchDatabase } from './scratch.mjs';

const ROWS = Number(process.env.WRITE_COST_ROWS ?? 20000);
const ROUNDS = Number(process.env.WRITE_COST_ROUNDS ?? 5);

// A document as freezer-agent posts it, numbered i.
const DOC = `jsonb_build_object('backup_id', tag || i, 'user_id', 'w1', 'user_name', null, 'project_id', 'p1',
  'backup_metadata', jsonb_build_object('backup_name', 'job-' || lpad((i % 5000)::text, 5, '0'),
    'hostname', 'node-' || lpad((i % 1000)::text, 4, '0') || '.example.com', 'container', 'freezer_backups',
    'action', 'backup', 'mode', 'fs', 'storage', 'swift', 'path_to_backup', '/var/lib/app', 'level', i % 5,
    'curr_backup_level', i % 5, 'max_level', 5, 'time_stamp', 1700000000 + i, 'client_os', 'linux',
    'fs_real_path', '/var/lib/app', 'engine_name', 'tar', 'compression', 'gzip', 'consistency_checksum', md5(tag || i),
    'os_auth_version', '3', 'always_level', false, 'no_incremental', false, 'dry_run', false))`;

const SETUP = `
CREATE FUNCTION pg_temp.insert_backups(n int, tag text, writer boolean) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; r record;
BEGIN
  -- the documents and their search columns are made before the clock starts: a writer that
  -- computes the columns (the API's POST) does so outside PostgreSQL
  CREATE TEMP TABLE IF NOT EXISTS pending_rows (i int, doc jsonb, bn jsonb, hn jsonb, hn2 jsonb, ct jsonb, lv jsonb, st text, ts numeric);
  TRUNCATE pending_rows;
  INSERT INTO pending_rows
  SELECT i, d, freezer_key_values(d, 'backup_name'), freezer_key_values(d, 'hostname'), freezer_key_values(d, 'host_name'),
         freezer_key_values(d, 'container'), freezer_key_values(d, 'level'), freezer_doc_text(d), (d #>> '{backup_metadata,time_stamp}')::numeric
    FROM (SELECT i, ${DOC} AS d FROM generate_series(1, n) AS i) AS docs;
  IF writer THEN PERFORM set_config('freezer.promoted_by_writer', 'on', true); END IF;
  t0 := clock_timestamp();
  FOR r IN SELECT * FROM pending_rows ORDER BY i LOOP
    IF writer THEN
      INSERT INTO backups (owner_id, id, project_id, user_id, doc, backup_name, hostname, host_name, container, level, search_text, time_stamp)
      VALUES ('w1', tag || r.i, 'p1', 'w1', r.doc, r.bn, r.hn, r.hn2, r.ct, r.lv, r.st, r.ts);
    ELSE
      INSERT INTO backups (owner_id, id, project_id, user_id, doc) VALUES ('w1', tag || r.i, 'p1', 'w1', r.doc);
    END IF;
  END LOOP;
  PERFORM set_config('freezer.promoted_by_writer', 'off', true);
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;
CREATE FUNCTION pg_temp.call_cost(n int, what text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE d jsonb := (SELECT doc FROM backups WHERE owner_id = 'w1' LIMIT 1); t text := freezer_doc_text(d);
  x jsonb; a text[]; s text; t0 timestamptz := clock_timestamp();
BEGIN
  FOR i IN 1..n LOOP
    CASE what
      WHEN 'freezer_key_values x5 (promoted keys)' THEN
        x := freezer_key_values(d, 'backup_name'); x := freezer_key_values(d, 'hostname'); x := freezer_key_values(d, 'host_name');
        x := freezer_key_values(d, 'container'); x := freezer_key_values(d, 'level');
      WHEN 'freezer_doc_text (search_text)' THEN s := freezer_doc_text(d);
      WHEN 'freezer_leaf_pairs (leaf-pairs index)' THEN a := freezer_leaf_pairs(d);
      WHEN 'freezer_text_words (word index)' THEN a := freezer_text_words(t);
      WHEN 'show_trgm (trigram index)' THEN a := show_trgm(t);
      ELSE NULL;
    END CASE;
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;`;

const FUNCTIONS = ['freezer_key_values x5 (promoted keys)', 'freezer_doc_text (search_text)', 'freezer_leaf_pairs (leaf-pairs index)', 'freezer_text_words (word index)', 'show_trgm (trigram index)'];
const GIN = ['backups_promoted', 'backups_leaf_pairs', 'backups_doc_text', 'backups_text_words'];
const NEWEST_OFF = 'ALTER TABLE backups DISABLE TRIGGER backups_newest_sync;';
// [DDL run first in the rolled-back transaction, whether the writer computes the columns]
const VARIANTS = {
  'the trigger computes the columns': ['', false],
  'the writer hands them in (the API POST)': ['', true],
  'the writer, without the newest-backup trigger': [NEWEST_OFF, true],
  ...Object.fromEntries(GIN.map((index) => [`the writer, without ${index}`, [`DROP INDEX ${index};`, true]])),
  'the writer, without any GIN index': [`DROP INDEX ${GIN.join(', ')};`, true],
  'the writer, no GIN index, no newest trigger': [`DROP INDEX ${GIN.join(', ')}; ${NEWEST_OFF}`, true],
};
const BASE = 'the writer hands them in (the API POST)';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const scratch = await createScratchDatabase();
  try {
    const migrator = await new DataSource({ ...buildTypeOrmOptions({ poolSize: 1, statementTimeoutMs: 0 }, scratch.url), migrations: MIGRATIONS }).initialize();
    await migrator.runMigrations({ transaction: 'each' });
    await migrator.destroy();
    const db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    await db.query(SETUP);
    await db.query(`SELECT pg_temp.insert_backups($1, 'seed', false)`, [ROWS]);
    await db.query('VACUUM ANALYZE backups');
    const { rows: [{ length }] } = await db.query(`SELECT length(search_text) AS length FROM backups LIMIT 1`);
    console.log(`${ROWS} backups, search text of ${length} characters; PostgreSQL ${(await db.query('SHOW server_version')).rows[0].server_version}`);
    console.log('\nOne call on one document (us, median of 3 loops of 2,000):');
    for (const what of FUNCTIONS) {
      const runs = [];
      for (let r = 0; r < 3; r++) runs.push(Number((await db.query('SELECT pg_temp.call_cost(2000, $1) AS us', [what])).rows[0].us));
      console.log(`  ${what.padEnd(40)} ${median(runs).toFixed(1)}`);
    }
    const figures = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, [ddl, writer]] of Object.entries(VARIANTS)) {
        await db.query('BEGIN');
        try {
          if (ddl) await db.query(ddl);
          figures[name].push(Number((await db.query(`SELECT pg_temp.insert_backups(1000, $1, $2) AS us`, [`r${round}-${name}-`, writer])).rows[0].us));
        } finally {
          await db.query('ROLLBACK');
        }
      }
    }
    const base = median(figures[BASE]);
    console.log(`\nOne INSERT of a backup (us, median of ${ROUNDS} loops of 1,000; what a part costs is "${BASE}" less the variant):`);
    for (const [name, values] of Object.entries(figures)) {
      const m = median(values);
      console.log(`  ${name.padEnd(40)} ${m.toFixed(0).padStart(6)}${name === BASE ? '' : `   (${(base - m).toFixed(0)} less)`}   [${values.map((v) => v.toFixed(0)).join(' ')}]`);
    }
    await db.end();
  } finally {
    await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
