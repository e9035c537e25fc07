// SPDX-License-Identifier: Apache-2.0
// What the benchmark scripts share: a scratch database on the server of DATABASE_URL, a free
// loopback port, and the compiled service started on them.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import pg from 'pg';

const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: base.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// A fresh database; drop() removes it unless BENCH_KEEP=1 (to look at its plans afterwards).
export async function createScratchDatabase() {
  const name = `freezer_bench_${Date.now().toString(36)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      if (process.env.BENCH_KEEP === '1') console.error(`kept database ${name}`);
      else await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// `node dist/src/main.js` on the database, answering /healthcheck; stop() sends SIGTERM and waits.
// `pid` is the process's, for sampling its memory. BENCH_NODE_ARGS adds options to its node
// (`--cpu-prof --cpu-prof-dir=/tmp/prof` profiles it; NODE_OPTIONS refuses --cpu-prof).
export async function startService(databaseUrl, port, env = {}) {
  // as npm start and the image start it (see src/cluster/heap-flags.ts)
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, ['--max-semi-space-size=16', ...extra, 'dist/src/main.js'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // whatever happens to the bench, the service goes with it
  const killOnExit = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.on('exit', killOnExit);
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthcheck`)).ok) {
        return {
          pid: child.pid,
          child,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
              await once(child, 'exit');
            }
            process.off('exit', killOnExit);
          },
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error('the service did not start');
}
