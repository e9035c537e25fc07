// SPDX-License-Identifier: Apache-2.0
import { afterAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import request from 'supertest';
import { validateEnv } from '../../src/config/env.validation.js';
import { MIGRATIONS } from '../../src/database/migrations.js';
import { prepareDatabase } from '../../src/database/prepare-database.js';
import { freePort, type ServiceProcess, startService, stopAllServices } from '../utils/service-process.js';
import { createScratchDatabase, testDatabaseUrl } from '../utils/test-database.js';

const START_MS = 30_000;
const EXIT_MS = 30_000;
const MIGRATION_NAMES = MIGRATIONS.map((migration) => new migration().name as string).sort();

// What the service says when it refuses to start: one line, no stack.
function expectRefusal(service: ServiceProcess, code: number | null, message: RegExp): void {
  expect({ code, message: message.test(service.messages()) }).toEqual({ code: 1, message: true });
  expect(service.messages()).not.toMatch(/\n\s+at /);
  expect(service.messages()).not.toMatch(/listening on/);
}

async function queryRows<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('boot (node dist/src/main.js)', () => {
  afterAll(async () => {
    await stopAllServices();
  });

  describe('a bad setting stops the boot with exit code 1, naming the setting', () => {
    it.each([
      ['PORT=abc', { PORT: 'abc' }, /Invalid configuration: PORT must be an integer, got "abc"/],
      ['PORT=70000', { PORT: '70000' }, /Invalid configuration: PORT must be between 0 and 65535, got 70000/],
      ['DB_POOL_SIZE=0', { DB_POOL_SIZE: '0' }, /Invalid configuration: DB_POOL_SIZE must be between 1 and 500, got 0/],
      ['AUTH_MODE=bogus', { AUTH_MODE: 'bogus' }, /Invalid configuration: AUTH_MODE must be one of [^\n]*noauth[^\n]*, got "bogus"/],
      ['DB_MIGRATE=sometimes', { DB_MIGRATE: 'sometimes' }, /Invalid configuration: DB_MIGRATE must be one of run, check, off, got "sometimes"/],
      ['DATABASE_URL=mysql://x', { DATABASE_URL: 'mysql://x' }, /Invalid configuration: DATABASE_URL must use the postgres:\/\/ scheme/],
      ['DATABASE_URL=not a url', { DATABASE_URL: 'not a url' }, /Invalid configuration: DATABASE_URL is not a URL/],
      ['BODY_LIMIT=lots', { BODY_LIMIT: 'lots' }, /Invalid configuration: BODY_LIMIT must be a size/],
      [
        'HOST=0.0.0.0 in noauth without ALLOW_INSECURE_NOAUTH',
        { HOST: '0.0.0.0' },
        /Invalid configuration: HOST is "0\.0\.0\.0", not a loopback address, while AUTH_MODE=noauth trusts any caller/,
      ],
    ])('%s', async (_name, env: Record<string, string>, message) => {
      const service = startService({ DATABASE_URL: testDatabaseUrl(), PORT: String(await freePort()), ...env });
      try {
        expectRefusal(service, await service.exited(EXIT_MS), message);
      } finally {
        await service.stop();
      }
    });
  });

  describe('on an empty database', () => {
    it('two processes started at once both come up, and the migrations run once (advisory lock)', async () => {
      const scratch = await createScratchDatabase('boot_race');
      const services: ServiceProcess[] = [];
      try {
        for (let i = 0; i < 2; i++) services.push(startService({ DATABASE_URL: scratch.url, PORT: String(await freePort()) }));
        const urls = await Promise.all(services.map((service) => service.listening(START_MS)));
        for (const url of urls) {
          const res = await request(url).get('/');
          expect(res.status).toBe(300);
          expect(res.body.versions.map((v: { id: string }) => v.id)).toEqual(['v2', 'v1']);
        }
        const rows = await queryRows<{ name: string; count: string }>(scratch.url, 'SELECT name, count(*) AS count FROM migrations GROUP BY name ORDER BY name');
        expect(rows).toEqual(MIGRATION_NAMES.map((name) => ({ name, count: '1' })));
        const applied = services.flatMap((service) => service.messages().match(/Applied migration \S+/g) ?? []).sort();
        expect(applied).toEqual(MIGRATION_NAMES.map((name) => `Applied migration ${name}`));
        await expect(queryRows(scratch.url, 'SELECT name, value FROM freezer_settings')).resolves.toEqual([{ name: 'scope', value: 'user' }]);
        for (const service of services) await expect(service.stop()).resolves.toBe(0);
      } finally {
        await Promise.all(services.map((service) => service.stop()));
        await scratch.drop();
      }
    }, 120_000);

    it.each([
      ['DB_MIGRATE=check refuses to start while migrations are pending', 'check', /DB_MIGRATE=check and the database has pending migrations/],
      ['DB_MIGRATE=off refuses to start without a schema', 'off', /The database has no freezer schema/],
    ])('%s', async (_name, mode, message) => {
      const scratch = await createScratchDatabase('boot_migrate');
      try {
        const service = startService({ DATABASE_URL: scratch.url, PORT: String(await freePort()), DB_MIGRATE: mode });
        try {
          expectRefusal(service, await service.exited(EXIT_MS), message);
        } finally {
          await service.stop();
        }
        const tables = await queryRows(scratch.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'");
        expect(tables).toEqual([]);
      } finally {
        await scratch.drop();
      }
    }, 90_000);
  });

  describe('on a database made in scope user', () => {
    it('refuses FREEZER_SCOPE=project with a message, then starts with DB_MIGRATE=check in scope user', async () => {
      const scratch = await createScratchDatabase('boot_scope');
      try {
        await prepareDatabase(validateEnv({ DATABASE_URL: scratch.url }), scratch.url, new Logger('BootScopeSetup'));
        const refused = startService({ DATABASE_URL: scratch.url, PORT: String(await freePort()), FREEZER_SCOPE: 'project' });
        try {
          expectRefusal(
            refused,
            await refused.exited(EXIT_MS),
            /FREEZER_SCOPE is "project" but this database was created with scope "user"; the scope of an existing database cannot change/,
          );
        } finally {
          await refused.stop();
        }
        await expect(queryRows(scratch.url, 'SELECT name, value FROM freezer_settings')).resolves.toEqual([{ name: 'scope', value: 'user' }]);

        const started = startService({ DATABASE_URL: scratch.url, PORT: String(await freePort()), DB_MIGRATE: 'check' });
        try {
          const url = await started.listening(START_MS);
          expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
          expect(started.messages()).toMatch(/Freezer API listening on http:\/\/127\.0\.0\.1:\d+ \(auth noauth, scope user\)/);
          expect(started.messages()).not.toMatch(/Applied migration/);
          const ready = await request(url).get('/readyz');
          expect({ status: ready.status, body: ready.body }).toEqual({ status: 200, body: { status: 'ready' } });
          await expect(started.stop()).resolves.toBe(0);
        } finally {
          await started.stop();
        }
      } finally {
        await scratch.drop();
      }
    }, 90_000);
  });
});
