// SPDX-License-Identifier: Apache-2.0
// The original freezer-api 13 (Python, uwsgi 2 processes x 4 threads, as Debian runs it) as the
// other side of `BENCH_ORIGINAL=1 npm run bench`, started by the shared start-uwsgi.sh on a
// PostgreSQL database of its own.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// BENCH_ORIGINAL_SCRIPT, else start-uwsgi.sh in a shared/original folder beside the checkout (or
// beside the folder of worktrees that holds it).
export function originalScript(env = process.env) {
  const candidates = env.BENCH_ORIGINAL_SCRIPT
    ? [resolve(env.BENCH_ORIGINAL_SCRIPT)]
    : [resolve(ROOT, '../shared/original/start-uwsgi.sh'), resolve(ROOT, '../../shared/original/start-uwsgi.sh')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`BENCH_ORIGINAL=1: the original's start-uwsgi.sh is not at ${candidates.join(' or ')} (set BENCH_ORIGINAL_SCRIPT)`);
  return found;
}

// Starts the original on `port` over `databaseUrl` (postgres://user@host:port/db; its own
// freezer-manage creates the schema). Answers the master's pid (its workers are its children, so
// memory sampling covers them) and stop().
export async function startOriginal(script, databaseUrl, port, log = console.error) {
  const url = new URL(databaseUrl);
  const sqlalchemyUrl = `postgresql+psycopg2://${url.username || 'postgres'}${url.password ? `:${url.password}` : ''}@${url.hostname}:${url.port || 5432}${url.pathname}`;
  const started = performance.now();
  const { stdout } = await run('bash', [script, 'start', String(port), '--db', sqlalchemyUrl], { maxBuffer: 1 << 20 });
  log(`  ${stdout.trim().split('\n').pop()} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const pids = (await run('bash', [script, 'pids', String(port)])).stdout.trim().split('\n').filter(Boolean).map(Number);
  if (pids.length === 0) throw new Error(`the original did not start on port ${port}`);
  return {
    pid: pids[0],
    // The script's graceful stop; then whatever of the master and its workers is still there is
    // killed, so that no part of the original outlives the bench (a run once left it serving).
    async stop() {
      const all = (await run('bash', [script, 'pids', String(port)]).catch(() => ({ stdout: '' }))).stdout.trim().split('\n').filter(Boolean).map(Number);
      await run('bash', [script, 'stop', String(port)]).catch(() => undefined);
      for (const pid of new Set([...pids, ...all])) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
