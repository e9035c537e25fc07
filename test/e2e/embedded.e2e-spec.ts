// SPDX-License-Identifier: Apache-2.0
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { freePort, type ServiceProcess, startService, stopAllServices } from '../utils/service-process.js';

// PGlite's first start runs initdb (a few seconds, more on a busy machine).
const START_MS = 90_000;
const EXIT_MS = 60_000;

// The zero-setup default: no DATABASE_URL, the embedded database in FREEZER_DATA_DIR.
describe('embedded database (no DATABASE_URL)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'freezer-embedded-e2e-'));
  });
  afterAll(async () => {
    await stopAllServices();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<{ service: ServiceProcess; url: string }> {
    const service = startService({ DATABASE_URL: undefined, FREEZER_DATA_DIR: dataDir, PORT: String(await freePort()) });
    return { service, url: await service.listening(START_MS) };
  }

  it('starts, accepts a backup, stops with exit 0 on SIGTERM, and reads the backup back after a restart', async () => {
    const who = newIdentity();
    const doc = buildBackupDoc();

    const first = await start();
    expect(first.service.messages()).toContain(`Embedded PostgreSQL on ${dataDir}`);
    const created = await request(first.url).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(doc);
    expect(created.status).toBe(201);
    const backupId = created.body.backup_id as string;
    await expect(first.service.stop(EXIT_MS)).resolves.toBe(0);
    expect(first.service.messages()).toContain('SIGTERM received, shutting down');
    expect(existsSync(join(dataDir, 'freezer-api.pid'))).toBe(false);

    const again = await start();
    try {
      const res = await request(again.url).get(`/v2/${who.projectId}/backups/${backupId}`).set(identityHeaders(who));
      expect({ status: res.status, body: res.body }).toEqual({
        status: 200,
        body: { backup_id: backupId, user_id: who.userId, user_name: null, project_id: who.projectId, status: 'available', backup_metadata: doc },
      });
      expect(again.service.messages()).not.toMatch(/Applied migration/);
      await expect(again.service.stop(EXIT_MS)).resolves.toBe(0);
    } finally {
      await again.service.stop(EXIT_MS);
    }
  }, 300_000);

  it('refuses a second process on the same FREEZER_DATA_DIR, naming the pid that holds it', async () => {
    const first = await start();
    try {
      const second = startService({ DATABASE_URL: undefined, FREEZER_DATA_DIR: dataDir, PORT: String(await freePort()) });
      const code = await second.exited(EXIT_MS);
      expect({ code, refused: second.messages().includes(`The embedded database in ${dataDir} is in use by process ${first.service.pid}`) }).toEqual({
        code: 1,
        refused: true,
      });
      // the refused process left the running one and its lock alone
      const ready = await request(first.url).get('/readyz');
      expect({ status: ready.status, body: ready.body }).toEqual({ status: 200, body: { status: 'ready' } });
      expect(existsSync(join(dataDir, 'freezer-api.pid'))).toBe(true);
      await expect(first.service.stop(EXIT_MS)).resolves.toBe(0);
    } finally {
      await first.service.stop(EXIT_MS);
    }
  }, 300_000);
});
