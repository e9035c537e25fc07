// SPDX-License-Identifier: Apache-2.0
// The protection-status report at scale, and what keeping its backup summary costs each backup
// INSERT.
//
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/status-report.mjs
//
// On a scratch database: one project with BENCH_CLIENTS (10,000) clients, BENCH_JOBS (50,000) jobs
// and BENCH_BACKUPS (1,000,000) backups, written straight into the tables with the service's
// triggers on (the GIN indexes of backups are dropped for the load and rebuilt afterwards, as
// seed.mjs's SQL path does). Each host has five backup names, each written by one job of its client;
// one job in ten is stopped, one in twenty failed, one in ten is scheduled by cron fields; 1% of the
// clients stopped polling. Then, over one keep-alive connection, one request at a time:
//   - the first report, which also computes the next run of every job;
//   - 10 reports, then VACUUM ANALYZE of the status tables (autovacuum's work in production; this
//     machine's PostgreSQL runs without it), since the first report rewrote every job_status row;
//   - BENCH_REQUESTS (50) reports: p50/p95/max;
//   - a report after 1,000 jobs changed (a minute of scheduler write-backs at scale);
//   - one page of each problem list with limit=100, and the page after it.
// BENCH_KEEP=1 keeps the seeded database; BENCH_REUSE=<its URL> measures on it again without seeding.
// Last, what keeping the backup summary costs a backup write: the backup POST rate through the API
// (wrk -t2 -c32, BENCH_POST_SECONDS (10) per round after a warm-up) with the newest-backup trigger
// enabled and disabled in turn, BENCH_ROUNDS (5) times each way; and the cost per backup INSERT
// the same two ways inside PostgreSQL (1,000 INSERTs in a PL/pgSQL loop, rolled back).
import http from 'node:http';
import pg from 'pg';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildScript, wrk } from './scenarios.mjs';
import { createScratchDatabase, freePort, startService } from './scratch.mjs';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10_000);
const JOBS = Number(process.env.BENCH_JOBS ?? 50_000);
const BACKUPS = Number(process.env.BENCH_BACKUPS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const POST_SECONDS = Number(process.env.BENCH_POST_SECONDS ?? 10);
const OWNER = 'bench-user';
const PROJECT = 'bench-project';
const NAMES = 5;
const log = (...args) => console.error(...args);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(port, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { 'X-User-Id': OWNER, 'X-Project-Id': PROJECT } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks))) : reject(new Error(`${res.statusCode} ${Buffer.concat(chunks)}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

const host = (i) => `'node-' || lpad((${i})::text, 5, '0') || '.example.com'`;

async function seed(db) {
  const now = Math.floor(Date.now() / 1000);
  let t = performance.now();
  await db.query(
    `INSERT INTO clients (owner_id, id, project_id, user_id, doc)
     SELECT $1::text, $2::text || '_' || ${host('g')}, $2::text, $1::text,
            jsonb_build_object('client', jsonb_build_object('client_id', $2::text || '_' || ${host('g')}, 'hostname', ${host('g')}, 'uuid', md5('c' || g)),
                               'user_id', $1::text, 'project_id', $2::text)
       FROM generate_series(0, $3::bigint - 1) AS g`,
    [OWNER, PROJECT, CLIENTS],
  );
  // 99% polled within the last minute
  await db.query(
    `INSERT INTO client_liveness (owner_id, client_id, last_seen)
     SELECT $1::text, $2::text || '_' || ${host('g')}, now() - interval '30 seconds' FROM generate_series(0, $3::bigint - 1) AS g WHERE g % 100 <> 0`,
    [OWNER, PROJECT, CLIENTS],
  );
  log(`  ${CLIENTS} clients in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  for (let from = 0; from < JOBS; from += 10_000) {
    await db.query(
      `INSERT INTO jobs (owner_id, id, project_id, user_id, doc)
       SELECT $1::text, md5('j' || g), $2::text, $1::text, jsonb_build_object(
                'job_id', md5('j' || g), 'user_id', $1::text, 'project_id', $2::text, 'client_id', $2::text || '_' || ${host(`g % ${CLIENTS}`)},
                'description', 'backup of /etc', 'session_id', '', 'session_tag', 0,
                'job_schedule', CASE WHEN g % 10 = 3 THEN jsonb_build_object('schedule_hour', '3') ELSE jsonb_build_object('schedule_interval', (ARRAY['1 days', '12 hours', '1 weeks'])[1 + g % 3]) END
                  || jsonb_build_object('event', '', 'status', CASE WHEN g % 10 = 1 THEN 'stop' ELSE 'scheduled' END,
                                        'result', CASE WHEN g % 20 = 7 THEN 'fail' ELSE 'success' END,
                                        'time_started', $3::bigint - 3600 - g % 40000, 'time_ended', $3::bigint - 3000 - g % 40000, 'current_pid', 4242),
                'job_actions', jsonb_build_array(jsonb_build_object(
                  'freezer_action', jsonb_build_object('action', 'backup', 'mode', 'fs', 'backup_name', 'job-' || ((g / ${CLIENTS}) % ${NAMES}),
                                                       'container', 'freezer_backups', 'path_to_backup', '/etc', 'storage', 'swift'),
                  'max_retries', 3, 'max_retries_interval', 10, 'mandatory', true)))
         FROM generate_series($4::int, $5::int) AS g`,
      [OWNER, PROJECT, now, from, Math.min(JOBS, from + 10_000) - 1],
    );
  }
  // the jobs were "armed" a week ago, so that their recorded runs count
  await db.query(`UPDATE job_status SET armed_at = now() - interval '7 days' WHERE armed_at IS NOT NULL`);
  log(`  ${JOBS} jobs in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const { rows: gin } = await db.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'backups' AND indexdef LIKE '%USING gin%'`);
  for (const index of gin) await db.query(`DROP INDEX ${index.indexname}`);
  // backup g: host g % CLIENTS, name (g / CLIENTS) % NAMES; one every 5 s, the last one now
  for (let from = 0; from < BACKUPS; from += 20_000) {
    await db.query(
      `INSERT INTO backups (owner_id, id, project_id, user_id, doc)
       SELECT $1::text, md5('b' || g), $2::text, $1::text, jsonb_build_object('backup_id', md5('b' || g), 'user_id', $1::text, 'user_name', null, 'project_id', $2::text,
                'backup_metadata', jsonb_build_object('action', 'backup', 'backup_name', 'job-' || ((g / ${CLIENTS}) % ${NAMES}),
                  'hostname', ${host(`g % ${CLIENTS}`)}, 'container', 'freezer_backups', 'mode', 'fs', 'storage', 'swift',
                  'engine_name', 'tar', 'path_to_backup', '/etc', 'level', g % 5, 'curr_backup_level', g % 5, 'max_level', 5,
                  'time_stamp', $3::bigint - ($4::bigint - 1 - g) * 5, 'client_os', 'linux', 'compression', 'gzip', 'consistency_checksum', md5('s' || g)))
         FROM generate_series($5::int, $6::int) AS g`,
      [OWNER, PROJECT, now, BACKUPS, from, Math.min(BACKUPS, from + 20_000) - 1],
    );
    if ((from / 20_000) % 10 === 9) log(`  backups ${from + 20_000}/${BACKUPS}, ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  await db.query(`SET maintenance_work_mem = '512MB'`);
  for (const index of gin) await db.query(index.indexdef);
  log(`  ${BACKUPS} backups (GIN indexes rebuilt) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await db.query('VACUUM ANALYZE');
  log(`  VACUUM ANALYZE in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function reportLatency(port, db) {
  const results = {};
  const first = await timed(() => get(port, `/v2/${PROJECT}/status`));
  results.first_ms = first.ms;
  log(`first report (computes ${JOBS} next runs): ${first.ms.toFixed(0)} ms`);
  log(`  counts: ${JSON.stringify({ clients: first.value.clients, jobs: first.value.jobs, backups: first.value.backups })}`);
  // Alternating with a reference on the same machine at the same moment: a plain page of ten jobs,
  // and the narrowest full read the report makes (counting the project's job_status rows), so that
  // a run on a busy machine can still be read as a ratio.
  // The first report rewrote every job_status row (their next runs): without autovacuum, which
  // this machine's PostgreSQL runs without and production's with, the dead rows stay. Ten reports
  // as they are, then VACUUM ANALYZE of what the report reads, as autovacuum would soon do.
  const unvacuumed = [];
  for (let i = 0; i < 10; i++) unvacuumed.push((await timed(() => get(port, `/v2/${PROJECT}/status`))).ms);
  unvacuumed.sort((a, b) => a - b);
  results.before_vacuum = { p50: pct(unvacuumed, 50), max: unvacuumed.at(-1) };
  log(`report, 10 sequential before VACUUM: p50 ${results.before_vacuum.p50.toFixed(1)} ms, max ${results.before_vacuum.max.toFixed(1)} ms`);
  const vacuum = await timed(() => db.query('VACUUM ANALYZE job_status, backup_newest, backup_writers, client_liveness'));
  log(`  VACUUM ANALYZE job_status, backup_newest, backup_writers, client_liveness (autovacuum's work): ${vacuum.ms.toFixed(0)} ms`);
  const times = [];
  const lists = [];
  const scans = [];
  for (let i = 0; i < REQUESTS; i++) {
    times.push((await timed(() => get(port, `/v2/${PROJECT}/status`))).ms);
    lists.push((await timed(() => get(port, `/v2/${PROJECT}/jobs?limit=10`))).ms);
    scans.push((await timed(() => db.query(`SELECT count(*) FROM job_status WHERE owner_id = $1 AND project_id = $2`, [OWNER, PROJECT]))).ms);
  }
  for (const xs of [times, lists, scans]) xs.sort((a, b) => a - b);
  results.report = { p50: pct(times, 50), p95: pct(times, 95), max: times.at(-1) };
  results.reference = { jobs_page_p50: pct(lists, 50), job_status_count_p50: pct(scans, 50) };
  log(`report, ${REQUESTS} sequential: p50 ${results.report.p50.toFixed(1)} ms, p95 ${results.report.p95.toFixed(1)} ms, max ${results.report.max.toFixed(1)} ms`);
  log(`  reference, alternating: GET .../jobs?limit=10 p50 ${results.reference.jobs_page_p50.toFixed(1)} ms; ` +
      `SELECT count(*) of the project's ${JOBS} job_status rows p50 ${results.reference.job_status_count_p50.toFixed(1)} ms`);
  results.lists = {};
  for (const list of ['stale_clients', 'overdue_jobs', 'failing_jobs', 'unschedulable_jobs', 'old_backups']) {
    const page = await timed(() => get(port, `/v2/${PROJECT}/status?list=${list}&limit=100`));
    const items = page.value[list];
    const marker = items.at(-1);
    const id = marker && (marker.client_id && list === 'stale_clients' ? marker.client_id : marker.job_id ?? marker.backup_id);
    const next = id ? await timed(() => get(port, `/v2/${PROJECT}/status?list=${list}&limit=100&marker=${id}`)) : { ms: 0 };
    results.lists[list] = { first_page_ms: page.ms, next_page_ms: next.ms, items: items.length };
    log(`  ${list}: limit=100 ${page.ms.toFixed(1)} ms (${items.length} items), next page ${next.ms.toFixed(1)} ms`);
  }
  return results;
}

// The backup POST rate with the newest-backup trigger on and off, alternating (the POSTs stay: a
// backup written without the trigger is only missing from the summary, which is not read here).
async function postRate(port, db) {
  const work = mkdtempSync(join(tmpdir(), 'status-post-'));
  const hosts = join(work, 'hosts');
  writeFileSync(hosts, Array.from({ length: 1000 }, (_, i) => `node-${String(i * 7 % CLIENTS).padStart(5, '0')}.example.com`).join('\n'));
  const script = buildScript(work, { id: 'S5', script: 'post-backup.lua' });
  const run = (seconds, tag) => wrk({
    url: `http://127.0.0.1:${port}`, script, seconds, threads: 2, connections: 32, timeout: '10s',
    args: { data: hosts, user: OWNER, project: PROJECT, expect: 201, threads: 2, tag },
  });
  await run(3, 'warm');
  const samples = { with: [], without: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of ['without', 'with']) {
        await db.query(`ALTER TABLE backups ${which === 'with' ? 'ENABLE' : 'DISABLE'} TRIGGER backups_newest_sync`);
        const r = await run(POST_SECONDS, `${which}${round}`);
        if (r.errors > 0) throw new Error(`backup POST: ${r.errors} errors (${r.errorSample})`);
        samples[which].push(r.rps);
      }
    }
  } finally {
    await db.query('ALTER TABLE backups ENABLE TRIGGER backups_newest_sync');
    // what was posted leaves the catalogue as it was seeded, for a BENCH_REUSE run
    await db.query(`DELETE FROM backups WHERE owner_id = $1 AND doc #>> '{backup_metadata,backup_name}' LIKE 'post-%'`, [OWNER]);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  if (ROUNDS === 0) return null;
  const result = { with_rps: median(samples.with), without_rps: median(samples.without), samples };
  result.slower_pct = (1 - result.with_rps / result.without_rps) * 100;
  log(`backup POST through the API (wrk -t2 -c32, ${POST_SECONDS} s rounds, median of ${ROUNDS}): ${result.without_rps.toFixed(0)} req/s without ` +
      `the newest-backup trigger, ${result.with_rps.toFixed(0)} req/s with it (${result.slower_pct.toFixed(1)}% slower); ` +
      `samples ${JSON.stringify(Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}`);
  return result;
}

async function insertCost(db) {
  const loop = (trigger) => `
    DO $$
    DECLARE started timestamptz := clock_timestamp();
    BEGIN
      FOR i IN 1..1000 LOOP
        INSERT INTO backups (owner_id, id, project_id, user_id, doc)
        VALUES ('${OWNER}', md5('x' || i || random()), '${PROJECT}', '${OWNER}', jsonb_build_object('backup_id', md5('x' || i), 'user_id', '${OWNER}',
          'user_name', null, 'project_id', '${PROJECT}', 'backup_metadata', jsonb_build_object('action', 'backup', 'backup_name', 'job-' || (i % ${NAMES}),
          'hostname', 'node-' || lpad((i * 7 % ${CLIENTS})::text, 5, '0') || '.example.com', 'container', 'freezer_backups', 'mode', 'fs',
          'storage', 'swift', 'engine_name', 'tar', 'path_to_backup', '/etc', 'level', i % 5, 'curr_backup_level', i % 5, 'max_level', 5,
          'time_stamp', extract(epoch FROM now())::bigint + i, 'client_os', 'linux', 'compression', 'gzip', 'consistency_checksum', md5('y' || i))));
      END LOOP;
      RAISE NOTICE '${trigger} %', extract(epoch FROM clock_timestamp() - started) * 1000;
    END $$`;
  const samples = { with: [], without: [] };
  db.on('notice', (msg) => {
    const [which, ms] = msg.message.split(' ');
    samples[which]?.push(Number(ms));
  });
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of ['without', 'with']) {
      await db.query('BEGIN');
      if (which === 'without') await db.query('ALTER TABLE backups DISABLE TRIGGER backups_newest_sync');
      await db.query(loop(which));
      await db.query('ROLLBACK');
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  if (ROUNDS === 0) return null;
  const result = { with_us: median(samples.with), without_us: median(samples.without) };
  result.ratio = result.with_us / result.without_us;
  log(`backup INSERT, 1,000 in a PL/pgSQL loop (median of ${ROUNDS}): ${result.without_us.toFixed(0)} us without the newest-backup trigger, ` +
      `${result.with_us.toFixed(0)} us with it (x${result.ratio.toFixed(3)}); samples ${JSON.stringify(samples)}`);
  return result;
}

// BENCH_REUSE=<database URL>: measure again on a database an earlier run kept (BENCH_KEEP=1)
const reuse = process.env.BENCH_REUSE;
const scratch = reuse ? { url: reuse, drop: async () => {} } : await createScratchDatabase();
let service;
const db = new pg.Client({ connectionString: scratch.url });
try {
  const port = await freePort();
  service = await startService(scratch.url, port);
  await db.connect();
  if (!reuse) {
    log(`seeding ${CLIENTS} clients, ${JOBS} jobs, ${BACKUPS} backups`);
    await seed(db);
  }
  const report = await reportLatency(port, db);
  // a minute of scheduler write-backs at this scale: 1,000 jobs changed
  await db.query(`UPDATE jobs SET doc = jsonb_set(freezer_job_doc(doc, run), '{job_schedule,time_started}', to_jsonb(extract(epoch FROM now())::bigint)), version = version + 1 WHERE id IN (SELECT id FROM jobs LIMIT 1000)`);
  report.after_1000_changes_ms = (await timed(() => get(port, `/v2/${PROJECT}/status`))).ms;
  log(`report after 1,000 jobs changed: ${report.after_1000_changes_ms.toFixed(0)} ms`);
  report.post = await postRate(port, db);
  report.insert = await insertCost(db);
  console.log(JSON.stringify(report, null, 2));
} finally {
  await db.end().catch(() => {});
  await service?.stop();
  await scratch.drop();
}
