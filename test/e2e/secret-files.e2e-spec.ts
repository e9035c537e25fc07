// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { freePort, startService, stopAllServices } from '../utils/service-process.js';
import { testDatabaseUrl } from '../utils/test-database.js';

const START_MS = 30_000;
const EXIT_MS = 30_000;

// The service as operators start it, with its secrets in files (Docker/Kubernetes secrets).
describe('secret settings from files (node dist/src/main.js)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'freezer-secrets-e2e-'));
  function secretFile(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }

  afterAll(async () => {
    await stopAllServices();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with DATABASE_URL_FILE (a secret file ending in a line break) and serves from that database', async () => {
    const service = startService({ DATABASE_URL: undefined, DATABASE_URL_FILE: secretFile('database-url', `${testDatabaseUrl()}\n`), PORT: String(await freePort()) });
    try {
      const url = await service.listening(START_MS);
      expect((await request(url).get('/readyz')).status).toBe(200);
      const created = await request(url).post('/v2/p1/backups').set('X-Auth-Token', 'secret-files-user:p1').send({ container: 'c', hostname: 'h', backup_name: 'from-file' });
      expect(created.status).toBe(201);
      // an embedded database would have answered too: the row must be on the server the file names
      const client = new pg.Client({ connectionString: testDatabaseUrl() });
      await client.connect();
      try {
        const rows = (await client.query('SELECT user_id FROM backups WHERE id = $1', [created.body.backup_id])).rows;
        expect(rows).toEqual([{ user_id: 'secret-files-user' }]);
      } finally {
        await client.end();
      }
    } finally {
      await service.stop();
    }
  });

  it.each([
    [
      'DATABASE_URL and DATABASE_URL_FILE both set',
      () => ({ DATABASE_URL: testDatabaseUrl(), DATABASE_URL_FILE: secretFile('both', testDatabaseUrl()) }),
      /Invalid configuration: DATABASE_URL and DATABASE_URL_FILE are both set; give the value one way only/,
    ],
    [
      'KEYSTONE_PASSWORD and KEYSTONE_PASSWORD_FILE both set',
      () => ({ DATABASE_URL: testDatabaseUrl(), KEYSTONE_PASSWORD: 'pw', KEYSTONE_PASSWORD_FILE: secretFile('pw', 'pw\n') }),
      /Invalid configuration: KEYSTONE_PASSWORD and KEYSTONE_PASSWORD_FILE are both set/,
    ],
    [
      'DATABASE_URL_FILE naming a missing file',
      () => ({ DATABASE_URL: undefined, DATABASE_URL_FILE: join(dir, 'absent') }),
      /Invalid configuration: DATABASE_URL_FILE names a file that cannot be read: \S+absent \(no such file\)/,
    ],
    [
      'DATABASE_URL_FILE naming an empty file',
      () => ({ DATABASE_URL: undefined, DATABASE_URL_FILE: secretFile('empty', '\n') }),
      /Invalid configuration: DATABASE_URL_FILE names an empty file/,
    ],
  ])('refuses to start: %s', async (_name, env, message) => {
    const service = startService({ PORT: String(await freePort()), ...env() });
    try {
      const code = await service.exited(EXIT_MS);
      expect({ code, refused: message.test(service.messages()) }).toEqual({ code: 1, refused: true });
      expect(service.messages()).not.toMatch(/\n\s+at |listening on/);
    } finally {
      await service.stop();
    }
  });
});
