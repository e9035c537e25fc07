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
//    trigger and every index as the API's write runs them, without the network and the commit),
//    in a transaction rolled back afterwards, once per variant: as it is, without the trigger,
//    without each GIN index, without any. The variants take turns, WRITE_COST_ROUNDS (5) times,
//    and the median of each is printed: what a part costs is the difference to "as is".
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
CREATE FUNCTION pg_temp.insert_backups(n int, tag text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  FOR i IN 1..n LOOP
    INSERT INTO backups (owner_id, id, project_id, user_id, doc) VALUES ('w1', tag || i, 'p1', 'w1', ${DOC});
  END LOOP;
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
const TRIGGER_OFF = 'ALTER TABLE backups DISABLE TRIGGER backups_promote;';
const VARIANTS = {
  'as is': '',
  'without the promote trigger': TRIGGER_OFF,
  ...Object.fromEntries(GIN.map((index) => [`without ${index}`, `DROP INDEX ${index};`])),
  'without any GIN index': `DROP INDEX ${GIN.join(', ')};`,
  'without any GIN index nor the trigger': `DROP INDEX ${GIN.join(', ')}; ${TRIGGER_OFF}`,
};

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
    await db.query(`SELECT pg_temp.insert_backups($1, 'seed')`, [ROWS]);
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
      for (const [name, ddl] of Object.entries(VARIANTS)) {
        await db.query('BEGIN');
        try {
          if (ddl) await db.query(ddl);
          figures[name].push(Number((await db.query(`SELECT pg_temp.insert_backups(1000, $1) AS us`, [`r${round}-${name}-`])).rows[0].us));
        } finally {
          await db.query('ROLLBACK');
        }
      }
    }
    const base = median(figures['as is']);
    console.log(`\nOne INSERT of a backup (us, median of ${ROUNDS} loops of 1,000; what each part costs is "as is" less the variant):`);
    for (const [name, values] of Object.entries(figures)) {
      const m = median(values);
      console.log(`  ${name.padEnd(40)} ${m.toFixed(0).padStart(6)}${name === 'as is' ? '' : `   (${(base - m).toFixed(0)} less)`}   [${values.map((v) => v.toFixed(0)).join(' ')}]`);
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
