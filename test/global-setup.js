// SPDX-License-Identifier: Apache-2.0
// Runs once before every test file: picks the database, applies the migrations, and hands the URL
// to the workers through process.env. Jest loads this file natively, without its TypeScript
// transform, so it uses the compiled service (`npm test` builds first).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { validateEnv } from '../dist/src/config/env.validation.js';
import { startEmbeddedPostgres } from '../dist/src/database/embedded-postgres.js';
import { prepareDatabase } from '../dist/src/database/prepare-database.js';

export default async function globalSetup() {
  let url = process.env.DATABASE_URL;
  if (!url) {
    if (process.env.CI === 'true') throw new Error('CI=true: the suite runs on a real PostgreSQL server; set DATABASE_URL');
    const dir = mkdtempSync(join(tmpdir(), 'freezer-test-'));
    const embedded = await startEmbeddedPostgres(dir, 20);
    globalThis.__FREEZER_EMBEDDED__ = embedded;
    url = embedded.url;
    process.env.FREEZER_TEST_EMBEDDED_DIR = dir;
    process.env.DATABASE_URL = url;
  }
  const config = validateEnv({ ...process.env, DATABASE_URL: url });
  await prepareDatabase(config, url, new Logger('TestSetup'));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('select version()');
  await client.end();
  const embedded = process.env.FREEZER_TEST_EMBEDDED_DIR ? ' (embedded PGlite)' : '';
  console.log(`\nTests run on: ${rows[0].version}${embedded}`);
}
