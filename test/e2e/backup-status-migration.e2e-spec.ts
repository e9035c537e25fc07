// SPDX-License-Identifier: Apache-2.0
// The BackupStatus migration on a catalogue written before it: every stored backup gets
// status "available" (in batches; one already carrying a status keeps it), and from then on any
// backup written without a status gets it from the database, whoever wrote it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource, type MigrationInterface } from 'typeorm';
import { MIGRATIONS } from '../../src/database/migrations.js';
import { buildTypeOrmOptions } from '../../src/database/typeorm.options.js';
import { createScratchDatabase } from '../utils/test-database.js';

type MigrationClass = new () => MigrationInterface;
const NAMES = (MIGRATIONS as MigrationClass[]).map((migration) => new migration().name as string);
const UNTIL = NAMES.indexOf('BackupStatus1764700000000');
// more than two of the migration's batches
const STORED = 4500;

describe('BackupStatus on a catalogue in use (on a database of its own)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase('backup_status');
    const options = buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, scratch.url);
    const before = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, UNTIL) });
    await before.initialize();
    await before.runMigrations({ transaction: 'each' });
    // backups as the previous version wrote them: no status; one of them already has one
    await before.query(
      `INSERT INTO backups (owner_id, id, project_id, user_id, doc)
       SELECT 'u' || (n % 7), md5(n::text), 'p', 'u' || (n % 7),
              jsonb_build_object('backup_id', md5(n::text), 'user_id', 'u' || (n % 7), 'user_name', null, 'project_id', 'p',
                                 'backup_metadata', jsonb_build_object('container', 'c', 'hostname', 'h', 'backup_name', 'b' || n))
              || CASE WHEN n = 1 THEN '{"status": "error"}'::jsonb ELSE '{}'::jsonb END
         FROM generate_series(1, ${STORED}) AS n`,
    );
    await before.destroy();
    dataSource = new DataSource({ ...options, migrations: MIGRATIONS });
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((migration) => migration.name)).toEqual(NAMES.slice(UNTIL));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('gives every stored backup status "available", keeping a status it had', async () => {
    const rows = await dataSource.query(`SELECT doc ->> 'status' AS status, count(*)::int AS n FROM backups GROUP BY 1 ORDER BY 1`);
    expect(rows).toEqual([
      { status: 'available', n: STORED - 1 },
      { status: 'error', n: 1 },
    ]);
    // the search columns follow: the free-text column now holds the status too
    const [text] = await dataSource.query(`SELECT search_text FROM backups WHERE id = md5('2')`);
    expect(text.search_text.split('\u001f')).toContain('available');
  });

  it('adds the default to a backup written without a status, and keeps a status given', async () => {
    await dataSource.query(
      `INSERT INTO backups (owner_id, id, project_id, user_id, doc) VALUES
         ('w', 'late', 'p', 'w', '{"backup_id": "late", "backup_metadata": {"container": "c", "hostname": "h", "backup_name": "b"}}'),
         ('w', 'given', 'p', 'w', '{"backup_id": "given", "status": "creating", "backup_metadata": {}}')`,
    );
    const rows = await dataSource.query(`SELECT id, doc ->> 'status' AS status FROM backups WHERE owner_id = 'w' ORDER BY id`);
    expect(rows).toEqual([
      { id: 'given', status: 'creating' },
      { id: 'late', status: 'available' },
    ]);
  });
});
