// SPDX-License-Identifier: Apache-2.0
// The benchmark of the service, in one command:
//
//   npm run bench        (npm run build && node bench/run.mjs)
//
// 1. Creates a scratch database on the server of DATABASE_URL (default
//    postgres://postgres@127.0.0.1:5432/postgres; dropped at the end unless BENCH_KEEP=1) and
//    starts the compiled service on it (AUTH_MODE=noauth on 127.0.0.1).
// 2. Seeds a catalogue through the API, BENCH_SEED_CONCURRENCY keep-alive requests in flight:
//    clients, jobs over them, sessions with member jobs, backups in one project; then VACUUM
//    ANALYZE, as autovacuum would have done to tables in steady use.
// 3. Drives each scenario with wrk (bench/wrk/*.lua rotate over the seeded ids), a warm-up then a
//    measured run, sampling the memory of the server's process tree every 100 ms; B0 is a bare
//    node:http + pg server (bench/baseline-server.mjs) answering S1's request on the same data.
// 4. Grows the project's backups to BENCH_BACKUPS_LARGE through the API, VACUUM ANALYZE, and
//    measures S3 and S4 again.
// 5. Prints a Markdown table and writes bench/results/latest.json (and latest.md).
//
// Settings (environment): BENCH_DURATION (s, 15), BENCH_WARMUP (s, 3), BENCH_THREADS (2),
// BENCH_CONNECTIONS (32), BENCH_TIMEOUT (wrk --timeout, 10s), BENCH_SCENARIOS (comma list of
// B0,S1..S9; default all), BENCH_CLIENTS (1000), BENCH_JOBS (5000), BENCH_SESSIONS (200),
// BENCH_SESSION_JOBS (members per session, 3), BENCH_BACKUPS (20000), BENCH_BACKUPS_LARGE
// (1000000), BENCH_SKIP_LARGE=1, BENCH_LARGE_SEED (api, or sql: the bulk path of
// seed.mjs#growBackupsSql, same rows without HTTP), BENCH_SEARCH_LIMIT (100), BENCH_SEED_CONCURRENCY
// (32), BENCH_POOL (DB_POOL_SIZE of the service and of B0; default the service's, 10),
// BENCH_RESULTS (bench/results/latest.json), BENCH_KEEP=1. Other variables reach the service
// unchanged (a worker count, for instance): memory is summed over its process tree, and the peak of
// its largest process is reported too.
//
// BENCH_ORIGINAL=1: the original freezer-api alongside (bench/original.mjs; BENCH_ORIGINAL_SCRIPT
// names its start-uwsgi.sh). This service is measured with WORKERS=1, then again with WORKERS=2;
// the original (uwsgi 2 processes x 4 threads) gets a database of its own, seeded through its own
// API with the same catalogue and analyzed; the report adds a side-by-side table with the ratios.
// The large catalogue is skipped then.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { memoryOf } from './memory.mjs';
import { originalScript, startOriginal } from './original.mjs';
import { SCENARIOS, measure, stopWrk } from './scenarios.mjs';
import { createScratchDatabase, freePort, startService } from './scratch.mjs';
import { Api, HOSTS, NAMES, backupName, clientId, countBackups, growBackupsApi, growBackupsSql, hostName, seedCatalogue, vacuumAnalyze } from './seed.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const env = process.env;

function number(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+(?:\.\d+)?)s?$/.exec(raw.trim());
  if (!match) throw new Error(`${name} must be a non-negative number, not ${JSON.stringify(raw)}`);
  return Number(match[1]);
}

const SETTINGS = {
  duration: number('BENCH_DURATION', 15),
  warmup: number('BENCH_WARMUP', 3),
  threads: number('BENCH_THREADS', 2),
  connections: number('BENCH_CONNECTIONS', 32),
  timeout: env.BENCH_TIMEOUT ?? '10s',
  clients: number('BENCH_CLIENTS', 1000),
  jobs: number('BENCH_JOBS', 5000),
  sessions: number('BENCH_SESSIONS', 200),
  sessionJobs: number('BENCH_SESSION_JOBS', 3),
  backups: number('BENCH_BACKUPS', 20000),
  backupsLarge: number('BENCH_BACKUPS_LARGE', 1000000),
  skipLarge: env.BENCH_SKIP_LARGE === '1',
  largeSeed: env.BENCH_LARGE_SEED ?? 'api',
  searchLimit: number('BENCH_SEARCH_LIMIT', 100),
  seedConcurrency: number('BENCH_SEED_CONCURRENCY', 32),
  latencyDuration: number('BENCH_LATENCY_DURATION', 10),
  pool: env.BENCH_POOL ? number('BENCH_POOL', 10) : null,
  results: resolve(env.BENCH_RESULTS ?? join(HERE, 'results', 'latest.json')),
  original: env.BENCH_ORIGINAL === '1',
};
const SELECTED = (env.BENCH_SCENARIOS ?? SCENARIOS.map((s) => s.id).join(',')).split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
const USER = 'bench-user';
const PROJECT = 'benchproject';
const MEMORY_TARGET_MB = 300;
const LARGE_RATIO_TARGET = 2;

const log = (line) => console.error(line);

// ---- clean-up, also on Ctrl-C ----------------------------------------------------------------

const cleanups = [];
async function cleanUp() {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()();
    } catch (error) {
      log(`clean-up: ${error.message}`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping and dropping the scratch database`);
    stopWrk();
    cleanUp().finally(() => process.exit(130));
  });
}

// ---- the baseline server ---------------------------------------------------------------------

async function startBaseline(databaseUrl, port) {
  const child = spawn(process.execPath, [join(HERE, 'baseline-server.mjs')], {
    env: { PATH: env.PATH, DATABASE_URL: databaseUrl, PORT: String(port), DB_POOL_SIZE: String(SETTINGS.pool ?? 10) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const killOnExit = () => child.exitCode === null && child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    process.off('exit', killOnExit);
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`the baseline server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthcheck`)).ok) return { pid: child.pid, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('the baseline server did not start');
}

// ---- what the scenarios rotate over --------------------------------------------------------------

const RUN_KEYS = ['event', 'status', 'result', 'time_started', 'time_ended', 'current_pid'];

function writeDataFiles(dir, seeded) {
  const names = Math.min(NAMES, SETTINGS.backups);
  const hosts = Math.min(HOSTS, SETTINGS.backups);
  const lines = {
    jobs: seeded.jobDocs.map((j) => j.job_id),
    clients: Array.from({ length: SETTINGS.clients }, (_, i) => clientId(PROJECT, i)),
    names: Array.from({ length: names }, (_, i) => backupName(i)),
    // the free-text term of bench/search-latency.mjs: a host name's start, in other case
    terms: Array.from({ length: hosts }, (_, i) => hostName(i).replace('.com', '').toUpperCase().replace('.EXAMPLE', '.example')),
    hosts: Array.from({ length: HOSTS }, (_, i) => hostName(i)),
    // the jobs the scheduler still runs, with the part of their schedule a run leaves alone
    schedules: seeded.jobDocs
      .filter((j) => j.job_schedule?.status !== 'completed')
      .map((j) => `${j.job_id}\t${JSON.stringify(Object.fromEntries(Object.entries(j.job_schedule ?? {}).filter(([k]) => !RUN_KEYS.includes(k))))}`),
    // member-major (every session's first member, then every second one...): the requests in
    // flight together fall on different sessions rather than queueing on one session's lock
    pairs: seeded.members
      .map(([session, job], k) => ({ session, job, k }))
      .sort((a, b) => (a.k % SETTINGS.sessionJobs) - (b.k % SETTINGS.sessionJobs) || a.k - b.k)
      .map(({ session, job }) => `${session}\t${job}`),
  };
  const files = {};
  for (const [name, content] of Object.entries(lines)) {
    if (content.length === 0) continue;
    files[name] = join(dir, `${name}.txt`);
    writeFileSync(files[name], `${content.join('\n')}\n`);
  }
  return { files, lines };
}

// Rows per answer of a search scenario, from 20 of its requests sent by hand (also a check that
// its request shape finds something).
async function rowsPerAnswer(api, scenario, values) {
  const picks = Array.from({ length: Math.min(20, values.length) }, (_, k) => values[Math.floor((k * values.length) / 20)]);
  let rows = 0;
  for (const value of picks) {
    const [path, body, key] = scenario.sample === 'poll'
      ? [`${api.prefix}/jobs/?limit=10&offset=0`, { match_not: [{ status: 'completed' }], match: [{ client_id: value }] }, 'jobs']
      : [`${api.prefix}/backups?limit=${SETTINGS.searchLimit}`, { match: [{ [scenario.args.key]: value }] }, 'backups'];
    rows += (await api.call('GET', path, body, 200))[key].length;
  }
  return rows / picks.length;
}

// ---- report ------------------------------------------------------------------------------------

const fmt = (n, digits) => (typeof n !== 'number' || !Number.isFinite(n) ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const rate = (n) => fmt(n, typeof n === 'number' && n < 100 ? 1 : 0);

const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null);
const errorCell = (r) => `${r.errors}${r.timeouts ? ` (${r.timeouts} timeouts)` : ''}`;

function targetOf(s) {
  if (!s.original || !s.factor) return null;
  return s.original * s.factor;
}

function markdown(results, large, machine) {
  const out = [];
  out.push(`Machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, PostgreSQL ${machine.postgres}, ${machine.date}`);
  out.push(`wrk -t${SETTINGS.threads} -c${SETTINGS.connections} -d${SETTINGS.duration}s after a ${SETTINGS.warmup} s warm-up; ` +
    `${SETTINGS.clients} clients, ${SETTINGS.jobs} jobs, ${SETTINGS.sessions} sessions × ${SETTINGS.sessionJobs} jobs, ${SETTINGS.backups} backups in one project; search limit=${SETTINGS.searchLimit}`);
  out.push('');
  out.push('| scenario | req/s | p50 ms | p99 ms | errors | peak RSS MB (all) | peak PSS MB (all) | peak RSS MB of one process | × B0 | original req/s | target req/s |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const target = r.target === null ? '—' : `≥ ${rate(r.target)} (${r.factor}×) ${r.rps !== null && r.rps >= r.target ? '✓' : '✗'}`;
    out.push(`| ${r.id} ${r.title} | ${rate(r.rps)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${errorCell(r)} | ${fmt(r.memory.peakRssMb, 1)} | ${fmt(r.memory.peakPssMb, 1)} | ${fmt(r.memory.peakProcessRssMb, 1)} | ${r.ratioToB0 === null ? '—' : fmt(r.ratioToB0, 2)} | ${r.original ? rate(r.original) : '—'} | ${target} |`);
  }
  const measured = results.filter((r) => r.id !== 'B0' && !r.failed);
  if (measured.length > 0) {
    const worst = measured.reduce((a, b) => (b.memory.peakProcessRssMb > a.memory.peakProcessRssMb ? b : a));
    out.push('');
    out.push(`Memory target < ${MEMORY_TARGET_MB} MB per API process: ${worst.memory.peakProcessRssMb < MEMORY_TARGET_MB ? 'met' : 'NOT met'} (highest peak of one process ${fmt(worst.memory.peakProcessRssMb, 1)} MB in ${worst.id}, ${worst.memory.processes} process(es)). ` +
      'The (all) columns sum the process tree: RSS counts pages shared between processes (the node binary) once per process; PSS shares them out, so for several processes PSS is their memory.');
  }
  if (large) {
    out.push('');
    out.push(`Searches at ${fmt(large.smallCount, 0)} and at ${fmt(large.largeCount, 0)} backups (grown ${large.growth.path === 'sql' ? 'by the SQL bulk path' : 'through the API'}, ${rate(large.growth.rate)} backups/s):`);
    out.push('');
    out.push(`| scenario | req/s small | p50 ms small | p99 ms small | rows small | req/s large | p50 ms large | p99 ms large | rows large | p50 ratio | p99 ratio | target ≤ ${LARGE_RATIO_TARGET}× | errors |`);
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const c of large.comparisons) {
      const met = c.p50Ratio !== null && c.p99Ratio !== null && c.p50Ratio <= LARGE_RATIO_TARGET && c.p99Ratio <= LARGE_RATIO_TARGET;
      out.push(`| ${c.id} ${c.title} | ${rate(c.small.rps)} | ${fmt(c.small.p50Ms, 2)} | ${fmt(c.small.p99Ms, 2)} | ${fmt(c.small.rowsPerAnswer, 1)} | ${rate(c.large.rps)} | ${fmt(c.large.p50Ms, 2)} | ${fmt(c.large.p99Ms, 2)} | ${fmt(c.large.rowsPerAnswer, 1)} | ${fmt(c.p50Ratio, 2)} | ${fmt(c.p99Ratio, 2)} | ${met ? '✓' : '✗'} | ${errorCell(c.large)} |`);
    }
    out.push('');
    out.push(`The same searches one at a time (wrk -t1 -c1, ${SETTINGS.latencyDuration} s): the latency of one search.`);
    out.push('');
    out.push(`| scenario | p50 ms small | p99 ms small | p50 ms large | p99 ms large | p50 ratio | p99 ratio | target ≤ ${LARGE_RATIO_TARGET}× |`);
    out.push('|---|---:|---:|---:|---:|---:|---:|---|');
    for (const c of large.comparisons) {
      const met = c.sequentialP50Ratio !== null && c.sequentialP99Ratio !== null && c.sequentialP50Ratio <= LARGE_RATIO_TARGET && c.sequentialP99Ratio <= LARGE_RATIO_TARGET;
      out.push(`| ${c.id} ${c.title} | ${fmt(c.small.sequential?.p50Ms, 2)} | ${fmt(c.small.sequential?.p99Ms, 2)} | ${fmt(c.large.sequential?.p50Ms, 2)} | ${fmt(c.large.sequential?.p99Ms, 2)} | ${fmt(c.sequentialP50Ratio, 2)} | ${fmt(c.sequentialP99Ratio, 2)} | ${met ? '✓' : '✗'} |`);
    }
  }
  return out.join('\n');
}

// Both sides in one table: req/s of the original and of this service with one and two processes,
// the ratios, and the peak RSS of one process of each.
function sideBySideMarkdown(rows) {
  const out = [];
  out.push('Side by side, on the same two cores: the original (uwsgi 2 processes × 4 threads) and this service with WORKERS=1 and WORKERS=2, each on its own database seeded through its own API with the same catalogue and then analyzed (VACUUM ANALYZE). ' +
    "The target holds for the better of the two. The original's errors are its own (it loses concurrent updates of one session: S7 answers 400 `job_id not found in session`) and do not fail the run.");
  out.push('');
  out.push('| scenario | original req/s | WORKERS=1 req/s | × original | WORKERS=2 req/s | × original | target | errors (original / 1 / 2) | peak RSS MB of one process (original / 1 / 2) | CPU µs per request: server + PostgreSQL, machine (original / 1 / 2) |');
  out.push('|---|---:|---:|---:|---:|---:|---|---:|---:|---:|');
  for (const c of rows) {
    const target = c.factor ? `≥ ${c.factor}× ${c.met ? '✓' : '✗'}${c.original.rps > 0 ? '' : ' (the original answered none in time)'}` : '—';
    const sides = [c.original, c.workers1, c.workers2];
    const rss = sides.map((r) => fmt(r.memory?.peakProcessRssMb, 0)).join(' / ');
    const cpu = sides.map((r) => (r.cpu ? `${r.cpu.serviceUs} + ${r.cpu.postgresUs}, ${r.cpu.machineUs}` : '—')).join(' / ');
    out.push(`| ${c.id} ${c.title} | ${rate(c.original.rps)} | ${rate(c.workers1.rps)} | ${fmt(c.ratio1, 2)} | ${rate(c.workers2.rps)} | ${fmt(c.ratio2, 2)} | ${target} | ${sides.map(errorCell).join(' / ')} | ${rss} | ${cpu} |`);
  }
  return out.join('\n');
}

// ---- main --------------------------------------------------------------------------------------

async function machineInfo(databaseUrl) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query('SHOW server_version');
  await db.end();
  let wrkVersion = null;
  try {
    wrkVersion = execFileSync('wrk', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0];
  } catch (error) {
    // wrk --version exits 1 after printing its usage
    wrkVersion = String(error.stdout ?? '').split('\n')[0] || null;
  }
  if (!wrkVersion) throw new Error('wrk is not installed (Debian package wrk)');
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: rows[0].server_version,
    wrk: wrkVersion,
    date: new Date().toISOString(),
  };
}

// One side of the run: a server on its database, seeded through its API, and what the scenarios
// rotate over. `kind` is service or original.
async function seedSide(kind, label, databaseUrl, server, port) {
  const api = new Api(port, { user: USER, project: PROJECT, sockets: SETTINGS.seedConcurrency });
  cleanups.push(() => api.close());
  const seedStarted = performance.now();
  log(`${label}:`);
  const seeded = await seedCatalogue(api, SETTINGS, { concurrency: SETTINGS.seedConcurrency, log });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const seedRequests = seeded.phases.reduce((n, p) => n + p.requests, 0);
  log(`  all: ${seedRequests} requests in ${seedSeconds.toFixed(1)} s, ${(seedRequests / seedSeconds).toFixed(0)} req/s${api.retries ? ` (${api.retries} retried after a socket error)` : ''}`);
  const vacuumSeconds = await vacuumAnalyze(databaseUrl);
  log(`  VACUUM ANALYZE in ${vacuumSeconds.toFixed(1)} s`);
  const dir = mkdtempSync(join(os.tmpdir(), `freezer-bench-${kind}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const { files, lines } = writeDataFiles(dir, seeded);
  return {
    kind, label, databaseUrl, server, port, api, workDir: dir, files, lines, seeded,
    seeding: { phases: seeded.phases, seconds: seedSeconds, requests: seedRequests, rate: seedRequests / seedSeconds, socketRetries: api.retries, vacuumSeconds },
  };
}

async function main() {
  const started = performance.now();
  const unknown = SELECTED.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  if (!['api', 'sql'].includes(SETTINGS.largeSeed)) throw new Error('BENCH_LARGE_SEED must be api or sql');
  const scenarios = SCENARIOS.filter((s) => SELECTED.includes(s.id));
  const script = SETTINGS.original ? originalScript() : null;

  const scratch = await createScratchDatabase();
  cleanups.push(() => scratch.drop());
  const machine = await machineInfo(scratch.url);

  // With the original alongside, this service runs once with WORKERS=1 and once with WORKERS=2.
  const serviceEnv = (workers) => ({
    AUTH_MODE: 'noauth', HOST: '127.0.0.1', RATE_LIMIT: '0', ...(SETTINGS.pool ? { DB_POOL_SIZE: String(SETTINGS.pool) } : {}),
    ...(workers ? { WORKERS: String(workers) } : {}),
  });
  const port = await freePort();
  let service = await startService(scratch.url, port, serviceEnv(SETTINGS.original ? 1 : null));
  const stopService = () => service.stop();
  cleanups.push(stopService);
  log(`service pid ${service.pid} on port ${port}, database ${new URL(scratch.url).pathname.slice(1)}; RSS at start ${fmt((memoryOf(service.pid)?.rssKb ?? 0) / 1024, 1)} MB`);
  const side = await seedSide('service', 'seeding this service through its API', scratch.url, service, port);
  const api = side.api;

  const tag = Date.now().toString(36);
  const runScenario = async (scenario, phase, on) => {
    const settings = {
      workDir: on.workDir, dataFiles: on.files, user: USER, project: PROJECT, searchLimit: SETTINGS.searchLimit,
      threads: SETTINGS.threads, connections: SETTINGS.connections, timeout: SETTINGS.timeout,
      duration: SETTINGS.duration, warmup: SETTINGS.warmup,
    };
    let target = { url: `http://127.0.0.1:${on.port}`, pid: on.server.pid };
    let baseline = null;
    if (scenario.server === 'baseline') {
      const baselinePort = await freePort();
      baseline = await startBaseline(on.databaseUrl, baselinePort);
      target = { url: `http://127.0.0.1:${baselinePort}`, pid: baseline.pid };
    }
    const name = `${scenario.id}${phase ? ` (${phase})` : ''}`;
    try {
      const rows = scenario.sample ? await rowsPerAnswer(on.api, scenario, on.lines[scenario.data]) : null;
      if (rows === 0) log(`  ${name}: its sample requests found nothing: check the request shape`);
      // S5: every 201 is one new row (wrk may stop with requests in flight, which add rows too)
      const counted = scenario.id === 'S5' && on.kind === 'service';
      const before = counted ? await countBackups(on.databaseUrl, { user: USER, project: PROJECT }) : null;
      const r = await measure(scenario, { ...settings, ...target, tag: `${tag}${scenario.id}${phase.replace(/\W/g, '')}` }, log);
      if (before !== null) {
        const added = (await countBackups(on.databaseUrl, { user: USER, project: PROJECT })) - before;
        const answered = r.ok + r.warmupOk;
        r.rowCheck = { answered, added, ok: added >= answered && added <= answered + 2 * SETTINGS.connections };
        if (!r.rowCheck.ok) {
          log(`  ${name}: ${answered} backups answered 201 but ${added} rows were added`);
          r.errors += Math.max(0, answered - added);
        }
      }
      // The latency of one search on its own: under BENCH_CONNECTIONS, p50 is mostly time spent
      // queueing behind the others, which says how many answers per second, not how long one takes.
      if (scenario.large && on.kind === 'service' && !phase.startsWith('WORKERS=2')) {
        r.sequential = await measure(scenario, { ...settings, ...target, threads: 1, connections: 1, warmup: 1, duration: SETTINGS.latencyDuration, tag: `${tag}${scenario.id}${phase.replace(/\W/g, '')}seq` }, log);
        log(`${name} one connection: p50 ${fmt(r.sequential.p50Ms, 2)} ms, p99 ${fmt(r.sequential.p99Ms, 2)} ms, ${rate(r.sequential.rps)} req/s, errors ${r.sequential.errors}`);
        r.errors += r.sequential.errors;
      }
      log(`${name} ${scenario.title}: ${rate(r.rps)} req/s, p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms, ` +
        `errors ${r.errors}${r.empty ? `, empty answers ${r.empty}` : ''}, peak RSS ${fmt(r.memory.peakRssMb, 1)} MB (VmHWM ${fmt(r.memory.hwmMb, 1)} MB), one process at most ${fmt(r.memory.peakProcessRssMb, 1)} MB` +
        `${r.cpu ? `, CPU µs/request: server ${r.cpu.serviceUs}, PostgreSQL ${r.cpu.postgresUs}, machine ${r.cpu.machineUs}` : ''}` +
        `${rows === null ? '' : `, ${fmt(rows, 1)} rows/answer`}`);
      if (r.errors > 0) log(`  ${name}: ${r.unexpected} answers other than ${scenario.expect}, ${r.socketErrors} socket errors; last: ${r.errorSample || '—'}`);
      return { ...r, rowsPerAnswer: rows };
    } finally {
      await baseline?.stop();
    }
  };

  // A scenario that cannot run (wrk fails, the server is gone) is reported as failed and the
  // others still run.
  const attempt = async (scenario, phase, on = side) => {
    try {
      return await runScenario(scenario, phase, on);
    } catch (error) {
      log(`${scenario.id}${phase ? ` (${phase})` : ''}: FAILED: ${error.message}`);
      return { failed: error.message, rps: null, p50Ms: null, p99Ms: null, errors: 'failed', timeouts: 0, memory: { peakRssMb: null, hwmMb: null, peakProcessRssMb: null } };
    }
  };
  const results = [];
  for (const scenario of scenarios) {
    const r = await attempt(scenario, SETTINGS.original ? 'WORKERS=1' : '');
    results.push({ id: scenario.id, title: scenario.title, expectedStatus: scenario.expect, original: scenario.original ?? null, factor: scenario.factor ?? null, target: targetOf(scenario), ...r });
  }
  const b0 = results.find((r) => r.id === 'B0');
  for (const r of results) r.ratioToB0 = b0?.rps && r.rps !== null && r.id !== 'B0' ? r.rps / b0.rps : null;
  for (const r of results) r.met = r.target === null ? null : r.rps !== null && r.rps >= r.target;

  // the original alongside: this service again with WORKERS=2, then the original on its own database
  let sideBySide = null;
  if (SETTINGS.original) {
    const compared = scenarios.filter((s) => s.server !== 'baseline' && s.compare !== false);
    await service.stop();
    // The first pass's writes left dead rows (S6 rewrites each job's row and its job_status row
    // many times over) that production's autovacuum would have cleared meanwhile; this machine
    // kind's PostgreSQL runs without it. Cleared here, so that the second pass starts as the
    // first did and as the original's own database does.
    log(`VACUUM ANALYZE before the WORKERS=2 pass in ${(await vacuumAnalyze(scratch.url)).toFixed(1)} s`);
    service = await startService(scratch.url, port, serviceEnv(2));
    side.server = service;
    log(`service restarted with WORKERS=2 (pid ${service.pid})`);
    const twoWorkers = {};
    for (const scenario of compared) twoWorkers[scenario.id] = await attempt(scenario, 'WORKERS=2');
    await service.stop();

    const originalDb = await createScratchDatabase();
    cleanups.push(() => originalDb.drop());
    const originalPort = await freePort();
    log(`the original on port ${originalPort}, database ${new URL(originalDb.url).pathname.slice(1)} (${script}):`);
    const original = await startOriginal(script, originalDb.url, originalPort, log);
    cleanups.push(() => original.stop());
    const originalSide = await seedSide('original', 'seeding the original through its API', originalDb.url, original, originalPort);
    const originals = {};
    for (const scenario of compared) originals[scenario.id] = await attempt(scenario, 'original', originalSide);
    await original.stop();
    sideBySide = compared.map((scenario) => {
      const one = results.find((r) => r.id === scenario.id);
      const two = twoWorkers[scenario.id];
      const orig = originals[scenario.id];
      const ratio1 = ratio(one.rps, orig.rps);
      const ratio2 = ratio(two.rps, orig.rps);
      const best = Math.max(ratio1 ?? 0, ratio2 ?? 0);
      return {
        id: scenario.id, title: scenario.title, factor: scenario.factor ?? null,
        original: orig, workers1: one, workers2: two, ratio1, ratio2,
        // an original that answered no request in time has no rate to multiply: any answer beats it
        met: scenario.factor ? (orig.rps > 0 ? best >= scenario.factor : Math.max(one.rps ?? 0, two.rps ?? 0) > 0) : null,
      };
    });
    machine.originalSeeding = originalSide.seeding;
  }

  // the large catalogue
  let large = null;
  const largeScenarios = scenarios.filter((s) => s.large);
  const smallCount = await countBackups(scratch.url, { user: USER, project: PROJECT });
  if (SETTINGS.skipLarge || largeScenarios.length === 0 || SETTINGS.original) {
    log(`large catalogue: skipped${SETTINGS.original ? ' (BENCH_ORIGINAL=1)' : ''}`);
  } else if (SETTINGS.backupsLarge <= smallCount) {
    log(`large catalogue: skipped, the project already holds ${smallCount} backups`);
  } else {
    log(`growing backups from ${smallCount} to ${SETTINGS.backupsLarge} ${SETTINGS.largeSeed === 'sql' ? 'by the SQL bulk path (not through the API)' : 'through the API'}:`);
    const growth = SETTINGS.largeSeed === 'sql'
      ? await growBackupsSql(scratch.url, { user: USER, project: PROJECT }, smallCount, SETTINGS.backupsLarge, { log })
      : await growBackupsApi(api, smallCount, SETTINGS.backupsLarge, { concurrency: SETTINGS.seedConcurrency, log });
    log(`  ${growth.requests} backups in ${(growth.seconds / 60).toFixed(1)} min, ${growth.rate.toFixed(0)}/s`);
    const vacuum = await vacuumAnalyze(scratch.url);
    log(`VACUUM ANALYZE in ${vacuum.toFixed(1)} s`);
    const largeCount = await countBackups(scratch.url, { user: USER, project: PROJECT });
    const comparisons = [];
    for (const scenario of largeScenarios) {
      const r = await attempt(scenario, 'large');
      const small = results.find((x) => x.id === scenario.id);
      comparisons.push({
        id: scenario.id, title: scenario.title, small: { rps: small.rps, p50Ms: small.p50Ms, p99Ms: small.p99Ms, rowsPerAnswer: small.rowsPerAnswer, errors: small.errors, sequential: small.sequential },
        large: r, p50Ratio: ratio(r.p50Ms, small.p50Ms), p99Ratio: ratio(r.p99Ms, small.p99Ms),
        sequentialP50Ratio: ratio(r.sequential?.p50Ms, small.sequential?.p50Ms), sequentialP99Ratio: ratio(r.sequential?.p99Ms, small.sequential?.p99Ms),
      });
    }
    large = { smallCount: SETTINGS.backups, countBeforeGrowth: smallCount, largeCount, growth, vacuumSeconds: vacuum, comparisons };
  }

  const wallSeconds = (performance.now() - started) / 1000;
  const table = [markdown(results, large, machine), ...(sideBySide ? ['', sideBySideMarkdown(sideBySide)] : [])].join('\n');
  console.log(`\n${table}\n\nwall time ${(wallSeconds / 60).toFixed(1)} min`);
  mkdirSync(dirname(SETTINGS.results), { recursive: true });
  const report = {
    date: machine.date, machine, settings: { ...SETTINGS, scenarios: SELECTED, user: USER, project: PROJECT, poolDefault: 10 },
    seeding: side.seeding,
    targets: { memoryMb: MEMORY_TARGET_MB, largeRatio: LARGE_RATIO_TARGET },
    scenarios: results, large, sideBySide, wallSeconds,
  };
  writeFileSync(SETTINGS.results, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(SETTINGS.results.replace(/\.json$/, '.md'), `${table}\n`);
  log(`results: ${SETTINGS.results}`);
  const bad = (r) => r.failed || r.errors > 0;
  const failed = results.some(bad) || (large?.comparisons.some((c) => bad(c.large)) ?? false) ||
    (sideBySide?.some((c) => bad(c.workers2) || c.original.failed) ?? false);
  if (failed) {
    console.log('\nFAILED: some scenarios had errors (see above)');
    process.exitCode = 1;
  }
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanUp);
