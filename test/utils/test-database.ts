// SPDX-License-Identifier: Apache-2.0
import pg from 'pg';

// Set by test/global-setup.js when it started an embedded database for the run.
export const TEST_EMBEDDED_DIR = 'FREEZER_TEST_EMBEDDED_DIR';

export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: the global setup did not run');
  return url;
}

// Concurrency tests mean nothing on PGlite, which serialises every connection.
export function isEmbeddedDatabase(): boolean {
  return process.env[TEST_EMBEDDED_DIR] !== undefined;
}

// A fresh, empty database on the same server, for tests that start from nothing (migrations, boot).
export async function createScratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = new URL(testDatabaseUrl());
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
