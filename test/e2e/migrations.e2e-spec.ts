// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import pg from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { CheaperSearchFunctions1764507600000 } from '../../migrations/1764507600000-CheaperSearchFunctions.js';
import { BackupTextWords1764600000000 } from '../../migrations/1764600000000-BackupTextWords.js';
import { ProtectionStatus1764793600000 } from '../../migrations/1764793600000-ProtectionStatus.js';
import { validateEnv } from '../../src/config/env.validation.js';
import { MIGRATIONS } from '../../src/database/migrations.js';
import { prepareDatabase } from '../../src/database/prepare-database.js';
import { buildTypeOrmOptions } from '../../src/database/typeorm.options.js';
import { createScratchDatabase } from '../utils/test-database.js';

type MigrationClass = new () => MigrationInterface;

const NAMES = (MIGRATIONS as MigrationClass[]).map((migration) => new migration().name as string);

// Everything in the public schema that a migration may create, one line per object, extension
// members left out (pg_trgm is installed once and outlives the migrations that use it).
const SCHEMA_OBJECTS = `
  WITH extension_member AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
  SELECT object FROM (
    SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' ELSE 'relation ' || c.relkind::text END || ' ' || c.relname
           || coalesce(' on ' || i.indrelid::regclass::text, '') AS object
      FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i', 'S', 'v', 'm', 'p')
       AND (c.tableoid, c.oid) NOT IN (SELECT classid, objid FROM extension_member)
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc) || ' ' || l.lanname
           || CASE WHEN p.proisstrict THEN ' strict' ELSE '' END || coalesce(' ' || array_to_string(p.proconfig, ' '), '')
      FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace = 'public'::regnamespace AND (p.tableoid, p.oid) NOT IN (SELECT classid, objid FROM extension_member)
    UNION ALL
    SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass::text
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'constraint ' || co.conname || ' on ' || co.conrelid::regclass::text || ' ' || pg_get_constraintdef(co.oid)
      FROM pg_constraint co WHERE co.connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' null:' || is_nullable || ' default:' || coalesce(column_default, '-')
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT 'index definition ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT 'type ' || ty.typname
      FROM pg_type ty
     WHERE ty.typnamespace = 'public'::regnamespace AND ty.typtype IN ('e', 'd')
       AND (ty.tableoid, ty.oid) NOT IN (SELECT classid, objid FROM extension_member)
  ) AS objects ORDER BY object`;

// The migrations table TypeORM keeps for itself, which stays after the last down.
const MIGRATIONS_TABLE = /\bmigrations(\b|_id_seq\b)/;

describe('migrations (on a database of their own)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  // the schema after the first k migrations, k = 0..n
  const levels: string[][] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase('migrations');
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  async function withDataSource<T>(migrations: MigrationClass[], work: (dataSource: DataSource) => Promise<T>): Promise<T> {
    const dataSource = new DataSource({ ...buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url), migrations });
    await dataSource.initialize();
    try {
      return await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  }

  async function schema(dataSource: DataSource): Promise<string[]> {
    const rows = await dataSource.query<Array<{ object: string }>>(SCHEMA_OBJECTS);
    return rows.map((row) => row.object);
  }

  async function appliedNames(dataSource: DataSource): Promise<string[]> {
    const rows = await dataSource.query<Array<{ name: string }>>('SELECT name FROM migrations ORDER BY id');
    return rows.map((row) => row.name);
  }

  it('applies every migration from an empty database, one at a time, in order', async () => {
    for (let k = 0; k <= MIGRATIONS.length; k++) {
      await withDataSource(MIGRATIONS.slice(0, k) as MigrationClass[], async (dataSource) => {
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        expect(applied.map((migration) => migration.name)).toEqual(k === 0 ? [] : [NAMES[k - 1]]);
        await expect(appliedNames(dataSource)).resolves.toEqual(NAMES.slice(0, k));
        levels.push(await schema(dataSource));
        if (k === MIGRATIONS.length) {
          const tables = [...dataSource.entityMetadatas.map((entity) => `table ${entity.tableName}`), 'table freezer_settings'];
          expect(levels[k]).toEqual(expect.arrayContaining(tables));
        }
      });
    }
    expect(levels[0].filter((object) => !MIGRATIONS_TABLE.test(object))).toEqual([]);
  });

  it('reverts them one by one, each down restoring exactly the schema before its up', async () => {
    await withDataSource(MIGRATIONS as MigrationClass[], async (dataSource) => {
      for (let k = MIGRATIONS.length; k > 0; k--) {
        await dataSource.undoLastMigration({ transaction: 'each' });
        await expect(appliedNames(dataSource)).resolves.toEqual(NAMES.slice(0, k - 1));
        expect({ level: k - 1, schema: await schema(dataSource) }).toEqual({ level: k - 1, schema: levels[k - 1] });
      }
      const left = (await schema(dataSource)).filter((object) => !MIGRATIONS_TABLE.test(object));
      expect(left).toEqual([]);
      const functions = await dataSource.query(`SELECT proname FROM pg_proc WHERE proname LIKE 'freezer%'`);
      expect(functions).toEqual([]);
    });
  });

  it('applies them all again, to the same schema as the first time', async () => {
    await withDataSource(MIGRATIONS as MigrationClass[], async (dataSource) => {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied.map((migration) => migration.name)).toEqual(NAMES);
      await expect(schema(dataSource)).resolves.toEqual(levels[MIGRATIONS.length]);
    });
  });

  it('leaves nothing for the schema builder to change: the entities match the migrations', async () => {
    const dataSource = new DataSource(buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url));
    await dataSource.initialize();
    try {
      await expect(dataSource.showMigrations()).resolves.toBe(false);
      const sql = await dataSource.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});

// 400 JSON documents of any shape, as JSON text, for comparing two versions of a search function:
// keys a, b, name and x.y among arbitrary ones (and `extraKey`, when given), at any depth.
function sampleDocuments(seed: number, extraKey?: fc.Arbitrary<string>): string[] {
  // text PostgreSQL can store: valid UTF-16, no NUL
  const text = fc.string({ unit: 'grapheme' }).map((value) => value.replaceAll('\0', ''));
  const knownKey = fc.constantFrom('a', 'b', 'name', 'x.y');
  const key = extraKey ? fc.oneof(knownKey, text, extraKey) : fc.oneof(knownKey, text);
  const nested = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    ),
  }));
  return fc.sample(nested.value, { numRuns: 400, seed }).map((doc) => JSON.stringify(doc));
}

// The indexes built on freezer_leaf_pairs, and the promoted columns filled by freezer_key_values,
// stay valid across CheaperSearchFunctions only if the new bodies give exactly the old answers.
describe('CheaperSearchFunctions (on a database of its own)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase('leaf_pairs');
    dataSource = new DataSource({ ...buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url), migrations: MIGRATIONS });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    // the bodies before CheaperSearchFunctions, under other names
    const runner = dataSource.createQueryRunner();
    try {
      await new CheaperSearchFunctions1764507600000().down(runner);
      await runner.query(`ALTER FUNCTION freezer_leaf_pairs(jsonb) RENAME TO freezer_leaf_pairs_before`);
      await runner.query(`ALTER FUNCTION freezer_key_values(jsonb, text) RENAME TO freezer_key_values_before`);
      await new CheaperSearchFunctions1764507600000().up(runner);
    } finally {
      await runner.release();
    }
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('has no search_path clause any more', async () => {
    const rows = await dataSource.query(`SELECT proname, proconfig FROM pg_proc WHERE proname LIKE 'freezer_leaf_pairs%' ORDER BY proname`);
    expect(rows).toEqual([
      { proname: 'freezer_leaf_pairs', proconfig: null },
      { proname: 'freezer_leaf_pairs_before', proconfig: [expect.stringMatching(/^search_path=/)] },
    ]);
  });

  it('gives the same pairs and key values as before for any JSON document', async () => {
    const texts = sampleDocuments(20261129);
    const rows = await dataSource.query<Array<{ i: number; same: boolean; after: string[] }>>(
      `SELECT i, freezer_leaf_pairs(d) IS NOT DISTINCT FROM freezer_leaf_pairs_before(d) AS same, freezer_leaf_pairs(d) AS after
         FROM unnest($1::jsonb[]) WITH ORDINALITY AS t(d, i)`,
      [texts],
    );
    expect(rows.filter((row) => !row.same)).toEqual([]);
    // the sample reaches into nested objects and arrays
    expect(rows.some((row) => row.after.length >= 3)).toBe(true);
    const values = await dataSource.query<Array<{ i: number; key: string; same: boolean; found: boolean }>>(
      `SELECT i, key, freezer_key_values(d, key) = freezer_key_values_before(d, key) AS same, freezer_key_values(d, key) <> '[]' AS found
         FROM unnest($1::jsonb[]) WITH ORDINALITY AS t(d, i), unnest(ARRAY['a', 'b', 'name', 'x.y']) AS key`,
      [texts],
    );
    expect(values.filter((row) => !row.same)).toEqual([]);
    expect(values.filter((row) => row.found).length).toBeGreaterThan(50);
  });
});

// An upgrade may build an index over every row (BackupTextWords: minutes at millions of backups);
// the statement timeout of API requests must not stop it.
describe('migrations at start-up, with a short DB_STATEMENT_TIMEOUT_MS', () => {
  it('apply completely: the request timeout does not bound them', async () => {
    const scratch = await createScratchDatabase('migrate_timeout');
    try {
      const config = validateEnv({ DATABASE_URL: scratch.url, DB_STATEMENT_TIMEOUT_MS: '1' });
      expect(config.statementTimeoutMs).toBe(1);
      await prepareDatabase(config, scratch.url, new Logger('MigrateTimeout'));
      const dataSource = new DataSource(buildTypeOrmOptions({ poolSize: 1, statementTimeoutMs: 0 }, scratch.url));
      await dataSource.initialize();
      try {
        const applied = await dataSource.query<Array<{ name: string }>>('SELECT name FROM migrations ORDER BY id');
        expect(applied.map((row) => row.name)).toEqual(NAMES);
      } finally {
        await dataSource.destroy();
      }
    } finally {
      await scratch.drop();
    }
  });
});

// SearchFunctionsPlannedOnce changes how the functions behind the expression indexes run, not what
// they answer: compared here with their former bodies, kept under other names.
describe('SearchFunctionsPlannedOnce (on a database of its own)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase('planned_once');
    dataSource = new DataSource({ ...buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url), migrations: MIGRATIONS });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query(`
      CREATE FUNCTION freezer_pair_before(key text, value jsonb) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        SELECT CASE WHEN octet_length(key) > 256 THEN md5(key) ELSE key END || chr(31) || CASE jsonb_typeof(value)
          WHEN 'number' THEN 'n' || trim_scale((value #>> '{}')::numeric)::text
          WHEN 'string' THEN CASE WHEN octet_length(value #>> '{}') > 1024 THEN 'h' || md5(value #>> '{}') ELSE 's' || (value #>> '{}') END
          WHEN 'boolean' THEN 'b' || (value #>> '{}')
          WHEN 'null' THEN 'z'
          ELSE NULL END
      $fn$`);
    await dataSource.query(`
      CREATE FUNCTION freezer_leaf_pairs_before(doc jsonb) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fn$
        SELECT coalesce(array_agg(DISTINCT freezer_pair_before(m.key, m.value)), '{}')
          FROM jsonb_path_query(doc, 'strict $.** ? (@.type() == "object")') AS o, jsonb_each(o) AS m
         WHERE jsonb_typeof(m.value) NOT IN ('object', 'array')
      $fn$`);
    await dataSource.query(`
      CREATE FUNCTION freezer_doc_text_before(doc jsonb) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fn$
        SELECT coalesce(string_agg(v #>> '{}', chr(31)), '')
          FROM jsonb_path_query(doc, 'strict $.**') AS v
         WHERE jsonb_typeof(v) IN ('string', 'number')
      $fn$`);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('gives the same pairs and the same text as before for any JSON document', async () => {
    // a 300-character key: freezer_pair keeps its md5
    const texts = sampleDocuments(20261130, fc.constant('k'.repeat(300)));
    const rows = await dataSource.query<Array<{ i: number; pairs: boolean; text: boolean; n: number }>>(
      `SELECT i, freezer_leaf_pairs(d) IS NOT DISTINCT FROM freezer_leaf_pairs_before(d) AS pairs,
              freezer_doc_text(d) IS NOT DISTINCT FROM freezer_doc_text_before(d) AS text,
              cardinality(freezer_leaf_pairs(d)) AS n
         FROM unnest($1::jsonb[]) WITH ORDINALITY AS t(d, i)`,
      [texts],
    );
    expect(rows.filter((row) => !row.pairs || !row.text)).toEqual([]);
    expect(rows.some((row) => row.n >= 3)).toBe(true);
  });

  it('keeps freezer_pair NULL for a NULL key or value, now that it is not STRICT', async () => {
    const rows = await dataSource.query(
      `SELECT freezer_pair(NULL, '1') AS no_key, freezer_pair('a', NULL) AS no_value, freezer_pair('a', '"x"') = freezer_pair_before('a', '"x"') AS same`,
    );
    expect(rows).toEqual([{ no_key: null, no_value: null, same: true }]);
  });

  it('lets the planner inline freezer_pair into the query that calls it', async () => {
    const plan = await dataSource.query<Array<{ 'QUERY PLAN': string }>>(
      `EXPLAIN (VERBOSE, COSTS OFF) SELECT freezer_pair(m.key, m.value) FROM jsonb_each('{"a": 1}') AS m`,
    );
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toContain('CASE');
    expect(text).not.toContain('freezer_pair(');
  });

  it('keeps one generic plan per connection for the functions a write calls', async () => {
    const rows = await dataSource.query(
      `SELECT proname, l.lanname, proconfig FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE proname IN ('freezer_leaf_pairs', 'freezer_doc_text') ORDER BY proname`,
    );
    expect(rows).toEqual([
      { proname: 'freezer_doc_text', lanname: 'plpgsql', proconfig: ['plan_cache_mode=force_generic_plan'] },
      { proname: 'freezer_leaf_pairs', lanname: 'plpgsql', proconfig: ['plan_cache_mode=force_generic_plan'] },
    ]);
  });
});

// An upgrade while older API processes keep writing: the word index of BackupTextWords is built
// without taking the lock that would stop backup writes. A transaction that has written a backup
// and stays open makes the build wait; a plain CREATE INDEX would then queue every later write
// behind it, CREATE INDEX CONCURRENTLY lets them through.
describe('BackupTextWords on a catalogue in use', () => {
  const before = MIGRATIONS.findIndex((migration) => migration === BackupTextWords1764600000000);

  it('builds its index while backups go on being written', async () => {
    expect(before).toBeGreaterThan(0);
    const scratch = await createScratchDatabase('words_online');
    const options = buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url);
    const older = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, before) });
    const newer = new DataSource({ ...options, migrations: MIGRATIONS });
    const holder = new pg.Client({ connectionString: scratch.url });
    const writer = new pg.Client({ connectionString: scratch.url });
    const insert = `INSERT INTO backups (owner_id, id, project_id, user_id, doc)
                    VALUES ('u', $1, 'p', 'u', jsonb_build_object('backup_metadata', jsonb_build_object('hostname', $2::text)))`;
    try {
      await older.initialize();
      await older.runMigrations({ transaction: 'each' });
      await older.query(insert, ['before', 'node-0001.example.com']);
      await Promise.all([holder.connect(), writer.connect()]);
      // an API process's write, not yet committed
      await holder.query('BEGIN');
      await holder.query(insert, ['open', 'node-0002.example.com']);

      await newer.initialize();
      const migrating = newer.runMigrations({ transaction: 'each' });
      migrating.catch(() => undefined);
      // the index build is waiting for the open transaction
      await waitFor(async () => {
        const { rows } = await writer.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX%backups_text_words%'`,
        );
        return rows.length > 0;
      });
      // another process's write goes through meanwhile
      await writer.query(`SET statement_timeout = 5000`);
      await expect(writer.query(insert, ['during', 'node-0003.example.com'])).resolves.toBeDefined();

      await holder.query('COMMIT');
      await migrating;
      const { rows } = await writer.query<{ valid: boolean }>(
        `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'backups_text_words'::regclass`,
      );
      expect(rows).toEqual([{ valid: true }]);
      const found = await writer.query<{ id: string }>(
        `SELECT id FROM backups WHERE freezer_text_words(search_text) @> ARRAY['0002']::text[]`,
      );
      expect(found.rows.map((row) => row.id)).toEqual(['open']);
      const all = await writer.query<{ n: string }>(`SELECT count(*) AS n FROM backups`);
      expect(all.rows).toEqual([{ n: '3' }]);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), writer.end()]).catch(() => undefined);
      if (older.isInitialized) await older.destroy();
      if (newer.isInitialized) await newer.destroy();
      await scratch.drop();
    }
  }, 60_000);
});

// ProtectionStatus copies the jobs and backups already stored in committed batches, after its
// triggers are in place: a job locked by an open transaction makes the copy wait, and meanwhile
// other processes write jobs and backups; what they wrote is kept, and the newest backup wins.
describe('ProtectionStatus on a catalogue in use', () => {
  const before = MIGRATIONS.findIndex((migration) => migration === ProtectionStatus1764793600000);

  it('copies the stored rows in batches while jobs and backups go on being written', async () => {
    expect(before).toBeGreaterThan(0);
    const scratch = await createScratchDatabase('status_online');
    const options = buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url);
    const older = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, before) });
    const newer = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, before + 1) });
    const holder = new pg.Client({ connectionString: scratch.url });
    const writer = new pg.Client({ connectionString: scratch.url });
    const job = `INSERT INTO jobs (owner_id, id, project_id, user_id, doc)
                 VALUES ('u', $1, 'p', 'u', jsonb_build_object('client_id', 'node', 'job_schedule', jsonb_build_object('status', $2::text)))`;
    const backup = `INSERT INTO backups (owner_id, id, project_id, user_id, doc)
                    VALUES ('u', $1, 'p', 'u', jsonb_build_object('backup_metadata', jsonb_build_object('hostname', 'node', 'backup_name', $2::text, 'time_stamp', $3::bigint)))`;
    try {
      await older.initialize();
      await older.runMigrations({ transaction: 'each' });
      await older.query(job, ['a-stored', 'scheduled']);
      await older.query(job, ['m-locked', 'scheduled']);
      await older.query(backup, ['b-old', 'etc', 1000]);
      await older.query(backup, ['b-newer', 'home', 3000]);
      await Promise.all([holder.connect(), writer.connect()]);
      // an API process about to change a job: its row is locked, the table is not
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM jobs WHERE owner_id = 'u' AND id = 'm-locked' FOR UPDATE`);

      await newer.initialize();
      const migrating = newer.runMigrations({ transaction: 'each' });
      migrating.catch(() => undefined);
      // the copy of the jobs waits for the locked row, its triggers already committed
      await waitFor(async () => {
        const { rows } = await writer.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO job_status%'`,
        );
        return rows.length > 0;
      });
      await writer.query(`SET statement_timeout = 5000`);
      await expect(writer.query(job, ['z-during', 'stop'])).resolves.toBeDefined();
      // newer than the stored etc backup, older than the stored home one
      await expect(writer.query(backup, ['b-during-etc', 'etc', 2000])).resolves.toBeDefined();
      await expect(writer.query(backup, ['b-during-home', 'home', 2500])).resolves.toBeDefined();
      await holder.query(`UPDATE jobs SET doc = jsonb_set(doc, '{job_schedule,status}', '"completed"'), version = version + 1 WHERE id = 'm-locked'`);
      await holder.query('COMMIT');
      await migrating;

      const jobs = await writer.query(`SELECT id, version, status FROM job_status ORDER BY id`);
      expect(jobs.rows).toEqual([
        { id: 'a-stored', version: 1, status: 'scheduled' },
        { id: 'm-locked', version: 2, status: 'completed' },
        { id: 'z-during', version: 1, status: 'stop' },
      ]);
      const newest = await writer.query(`SELECT backup_name, backup_id FROM backup_newest ORDER BY backup_name`);
      expect(newest.rows).toEqual([
        { backup_name: 'etc', backup_id: 'b-during-etc' },
        { backup_name: 'home', backup_id: 'b-newer' },
      ]);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), writer.end()]).catch(() => undefined);
      if (older.isInitialized) await older.destroy();
      if (newer.isInitialized) await newer.destroy();
      await scratch.drop();
    }
  }, 60_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
