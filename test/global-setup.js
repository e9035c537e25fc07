// SPDX-License-Identifier: Apache-2.0
// Runs once before every test file: picks the database, applies the migrations, and hands the URL
// to the workers through process.env. Jest loads this file natively, without its TypeScript
// transform, so it uses the compiled service (`npm test` builds first).
//
// The database: DATABASE_URL when set (CI always sets it). Otherwise a fresh database on the local
// PostgreSQL server if one answers (this is what makes a bare `npm test` run everything: the
// multi-process and race tests need a real server), dropped at the end; otherwise the embedded
// PGlite, on which the tests that need a real server fail and say so.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { validateEnv } from '../dist/src/config/env.validation.js';
import { startEmbeddedPostgres } from '../dist/src/database/embedded-postgres.js';
import { prepareDatabase } from '../dist/src/database/prepare-database.js';

const LOCAL_SERVER = process.env.FREEZER_TEST_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function localServerDatabase() {
  const admin = new pg.Client({ connectionString: LOCAL_SERVER, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `freezer_test_${Date.now().toString(36)}_${process.pid}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(LOCAL_SERVER);
  url.pathname = `/${name}`;
  globalThis.__FREEZER_DROP_DATABASE__ = async () => {
    const client = new pg.Client({ connectionString: LOCAL_SERVER });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  };
  return url.toString();
}

async function embeddedDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'freezer-test-'));
  const embedded = await startEmbeddedPostgres(dir, 20);
  globalThis.__FREEZER_EMBEDDED__ = embedded;
  process.env.FREEZER_TEST_EMBEDDED_DIR = dir;
  return embedded.url;
}

export default async function globalSetup() {
  let url = process.env.DATABASE_URL;
  if (!url) {
    if (process.env.CI === 'true') throw new Error('CI=true: the suite runs on a real PostgreSQL server; set DATABASE_URL');
    url = (await localServerDatabase()) ?? (await embeddedDatabase());
    process.env.DATABASE_URL = url;
  }
  const config = validateEnv({ ...process.env, DATABASE_URL: url });
  await prepareDatabase(config, url, new Logger('TestSetup'));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('select version()');
  await client.end();
  const embedded = process.env.FREEZER_TEST_EMBEDDED_DIR ? ' (embedded PGlite: tests that need a real server will fail)' : '';
  console.log(`\nTests run on: ${rows[0].version}${embedded}`);
}
