// SPDX-License-Identifier: Apache-2.0
// The zero-setup database: PGlite (PostgreSQL compiled to WebAssembly) on a data directory, served on
// a loopback port by its socket server so that the ordinary `pg` driver, TypeORM and the migrations
// run exactly as on a real server.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { processAlive } from '../common/lifecycle/process-alive.js';
import { StartupRefusal } from '../config/startup-refusal.js';

export class DataDirectoryLockedError extends StartupRefusal {}

export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

const LOCK_FILE = 'freezer-api.pid';

// One process per data directory: PGlite has no shared-memory coordination, so a second process
// opening the same files would corrupt them. A stale lock (its pid is gone) is taken over.
function takeLock(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
        throw new DataDirectoryLockedError(
          `The embedded database in ${dataDir} is in use by process ${pid}. ` +
            'Stop that process, choose another FREEZER_DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new DataDirectoryLockedError(`Could not lock the embedded database in ${dataDir}`);
}

export async function startEmbeddedPostgres(dataDirSetting: string, maxConnections: number): Promise<EmbeddedPostgres> {
  const dataDir = resolve(dataDirSetting);
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = takeLock(dataDir);
  try {
    const pgdata = join(dataDir, 'pgdata');
    // PGlite does not create missing parent folders; the data folder itself it initialises.
    const db = await PGlite.create(pgdata, { extensions: { pg_trgm } });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    let stopped = false;
    return {
      url,
      dataDir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}
