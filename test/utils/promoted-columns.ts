// SPDX-License-Identifier: Apache-2.0
// For the suites that check the columns a writer hands in instead of a table's trigger: the
// service listening, a database client of the suite's own, and the row's columns as stored against
// what the trigger computes for the same document.
import { afterAll, beforeAll } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pg from 'pg';
import { createTestApp } from './create-test-app.js';
import { testDatabaseUrl } from './test-database.js';

export interface ListeningApp {
  app: NestExpressApplication;
  server: ReturnType<NestExpressApplication['getHttpServer']>;
  db: pg.Client;
}

// Started before the suite's tests and closed after them; read its fields inside the tests.
export function listeningAppAndClient(): ListeningApp {
  const suite = { db: new pg.Client({ connectionString: testDatabaseUrl() }) } as ListeningApp;
  beforeAll(async () => {
    suite.app = await createTestApp();
    await suite.app.listen(0, '127.0.0.1');
    suite.server = suite.app.getHttpServer();
    await suite.db.connect();
  });
  afterAll(async () => {
    await suite.db.end();
    await suite.app?.close();
  });
  return suite;
}

// The row's `columns` as stored, and as the table's trigger computes them for the same document
// (an UPDATE of doc runs it, in a transaction rolled back; a job's document with its run state).
export async function storedAndRecomputed(
  db: pg.Client,
  table: 'backups' | 'jobs',
  columns: string,
  ownerId: string,
  id: string,
): Promise<{ stored: unknown; recomputed: unknown }> {
  const select = `SELECT ${columns} FROM ${table} WHERE owner_id = $1 AND id = $2`;
  const stored = (await db.query(select, [ownerId, id])).rows[0];
  await db.query('BEGIN');
  try {
    const doc = table === 'jobs' ? 'freezer_job_doc(doc, run)' : `doc || '{}'`;
    await db.query(`UPDATE ${table} SET doc = ${doc} WHERE owner_id = $1 AND id = $2`, [ownerId, id]);
    return { stored, recomputed: (await db.query(select, [ownerId, id])).rows[0] };
  } finally {
    await db.query('ROLLBACK');
  }
}
