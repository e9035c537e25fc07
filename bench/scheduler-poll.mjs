// SPDX-License-Identifier: Apache-2.0
// The cost of freezer-scheduler's poll (§9.2) with 5,000 jobs over 1,000 clients in one project.
//
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/scheduler-poll.mjs
//
// Creates a scratch database on the server of DATABASE_URL, starts the compiled service on it,
// registers the clients and creates the jobs through the API (as the dashboard would, each with
// one embedded action), then drives the poll with wrk (Debian package `wrk`): GET
// /v2/{project}/jobs/?limit=10&offset=0 with the body {"match_not": [{"status": "completed"}],
// "match": [{"client_id": <one of the 1,000>}]}, rotating over the clients.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createScratchDatabase, freePort, startService } from './scratch.mjs';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const JOBS = Number(process.env.BENCH_JOBS ?? 5000);
const DURATION = process.env.BENCH_DURATION ?? '15s';
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '16';
const PROJECT = 'benchproject';
const HEADERS = { 'X-User-Id': 'bench-user', 'X-Project-Id': PROJECT, 'Content-Type': 'application/json' };

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`${url}: ${res.status} ${await res.text()}`);
}

// n requests at a time, so that seeding takes seconds rather than minutes.
async function inParallel(count, width, task) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await task(next++);
  }));
}

const clientId = (i) => `${PROJECT}_node-${String(i).padStart(4, '0')}.example.com`;

async function main() {
  const scratch = await createScratchDatabase();
  const port = await freePort();
  const service = await startService(scratch.url, port);
  const api = `http://127.0.0.1:${port}/v2/${PROJECT}`;
  try {
    let started = Date.now();
    await inParallel(CLIENTS, 8, (i) => post(`${api}/clients/`, { client_id: clientId(i), hostname: `node-${i}.example.com` }));
    await inParallel(JOBS, 8, (i) =>
      post(`${api}/jobs/`, {
        client_id: clientId(i % CLIENTS),
        description: `job ${i}`,
        job_schedule: { schedule_interval: '1 days', status: i % 3 === 0 ? 'completed' : 'scheduled', event: '' },
        job_actions: [{ freezer_action: { action: 'backup', mode: 'fs', path_to_backup: '/etc', backup_name: `job-${i}`, container: 'c', storage: 'swift' } }],
      }),
    );
    console.error(`seeded ${CLIENTS} clients and ${JOBS} jobs through the API in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // What autovacuum does to a table in steady use: statistics for the planner, GIN lists merged.
    const db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    await db.query('VACUUM ANALYZE jobs');
    await db.query('VACUUM ANALYZE clients');
    await db.end();

    const dir = mkdtempSync(join(tmpdir(), 'freezer-bench-'));
    const script = join(dir, 'poll.lua');
    writeFileSync(
      script,
      `local n = 0
request = function()
  n = n + 1
  local client = string.format("${PROJECT}_node-%04d.example.com", n % ${CLIENTS})
  local body = '{"match_not": [{"status": "completed"}], "match": [{"client_id": "' .. client .. '"}]}'
  return wrk.format("GET", "/v2/${PROJECT}/jobs/?limit=10&offset=0", {["X-User-Id"] = "bench-user", ["X-Project-Id"] = "${PROJECT}", ["Content-Type"] = "application/json"}, body)
end
response = function(status, headers, body)
  if status ~= 200 then wrk.thread:set("bad", (wrk.thread:get("bad") or 0) + 1) end
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors %d, non-2xx? see above\\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("req/s %.1f, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\\n", summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
`,
    );
    started = Date.now();
    const out = execFileSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${DURATION}`, '-s', script, `http://127.0.0.1:${port}`], { encoding: 'utf8' });
    console.log(`\nscheduler poll, ${JOBS} jobs over ${CLIENTS} clients, wrk -t2 -c${CONNECTIONS} -d${DURATION}\n${out}`);
  } finally {
    await service.stop();
    await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
