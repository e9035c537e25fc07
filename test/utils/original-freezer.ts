// SPDX-License-Identifier: Apache-2.0
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './service-process.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

// The original freezer-api 13 (Debian python3-freezer-api) under uwsgi, as shared/original's
// script runs it: beside the checkout in CI, or FREEZER_ORIGINAL_SCRIPT.
export function originalScript(): string {
  const candidates = [process.env.FREEZER_ORIGINAL_SCRIPT, resolve(ROOT, '../shared/original/start-uwsgi.sh'), '/work/shared/original/start-uwsgi.sh'];
  const found = candidates.find((path) => path !== undefined && existsSync(path));
  if (found === undefined) throw new Error('start-uwsgi.sh of the original freezer-api not found (set FREEZER_ORIGINAL_SCRIPT)');
  return found;
}

export interface Identity {
  user: string;
  project: string;
}

export interface OriginalFreezer {
  port: number;
  url: string;
  // the state folder of this run: freezer-api.conf, the SQLite file with --db sqlite
  stateDir: string;
  request(method: string, path: string, who: Identity, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

// Starts the original on a free port. `db` is an SQLAlchemy URL or "sqlite"; with keepDb the
// tables of an earlier start stay (a v1 process next to a v2 one on the same database).
export async function startOriginal(db: string, options: { apiVersion?: 1 | 2; keepDb?: boolean } = {}): Promise<OriginalFreezer> {
  const script = originalScript();
  const port = await freePort();
  const args = ['start', String(port), '--db', db, '--api-version', String(options.apiVersion ?? 2), '--processes', '1', '--threads', '2'];
  if (options.keepDb) args.push('--keep-db');
  await run('bash', [script, ...args], { timeout: 120_000 });
  const url = `http://127.0.0.1:${port}`;
  return {
    port,
    url,
    stateDir: `/tmp/ref-uwsgi-${port}`,
    async request(method, path, who, body) {
      return requestOriginal(port, method, path, who, body);
    },
    async stop() {
      await run('bash', [script, 'stop', String(port)], { timeout: 30_000 });
    },
  };
}

// One connection per request, closed after it: the original's 204 answers say
// `Transfer-Encoding: chunked` and carry a last-chunk that a 204 may not have, so on a kept-alive
// connection those stray bytes become the start of the next answer, which Node 24's fetch refuses
// ("Response does not match the HTTP/1.1 protocol").
function requestOriginal(port: number, method: string, path: string, who: Identity, body?: unknown): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {
    'X-User-Id': who.user,
    'X-Project-Id': who.project,
    'Content-Type': 'application/json',
    Accept: 'application/json',
    Connection: 'close',
  };
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
