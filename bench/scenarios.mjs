// SPDX-License-Identifier: Apache-2.0
// The scenarios of bench/run.mjs and how each is driven: wrk with common.lua plus the scenario's
// script (bench/wrk/), a warm-up run, then the measured run while the server's process tree is
// sampled for memory.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleCpu, waitForQuiet } from './cpu.mjs';
import { sampleMemory } from './memory.mjs';

const WRK_DIR = join(dirname(fileURLToPath(import.meta.url)), 'wrk');

// original: req/s of the Python service (freezer-api 13, SQL driver) on the same request;
// factor: the target as a multiple of it. compare: false leaves a scenario out of the side-by-side
// run (BENCH_ORIGINAL=1): the original's GET / sends no body under uwsgi.
export const SCENARIOS = [
  { id: 'B0', title: 'baseline: bare node:http + pg, S1 request', script: 'get-job.lua', data: 'jobs', expect: 200, server: 'baseline' },
  { id: 'S1', title: 'GET one job', script: 'get-job.lua', data: 'jobs', expect: 200, original: 930, factor: 4 },
  { id: 'S2', title: 'scheduler poll (jobs of a client, not completed)', script: 'scheduler-poll.lua', data: 'clients', expect: 200, original: 6.5, factor: 300, sample: 'poll' },
  { id: 'S3', title: 'backup search by name', script: 'backup-search.lua', data: 'names', expect: 200, args: { key: 'backup_name' }, original: 1.7, factor: 300, sample: 'search', large: true },
  { id: 'S4', title: 'backup free-text search (_all)', script: 'backup-search.lua', data: 'terms', expect: 200, args: { key: '_all' }, sample: 'search', large: true },
  { id: 'S8', title: 'GET / (version list)', script: 'root.lua', expect: 300, original: 3650, compare: false },
  { id: 'S9', title: 'GET /v2 (JSON-home, no database)', script: 'json-home.lua', expect: 200, factor: 2 },
  { id: 'S5', title: 'create a backup (POST)', script: 'post-backup.lua', data: 'hosts', expect: 201, original: 526, factor: 3 },
  { id: 'S6', title: "scheduler's PATCH write-back of a job", script: 'patch-job.lua', data: 'schedules', expect: 200, original: 652, factor: 3 },
  { id: 'S7', title: 'session start/end cycle over the sessions', script: 'session-action.lua', data: 'pairs', expect: 202, original: 306, factor: 3 },
];

let running = null; // the wrk process of the moment, for the interrupt handler

export function stopWrk() {
  running?.kill('SIGKILL');
}

function run(file, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    running = execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      running = null;
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

// common.lua followed by the scenario's script, as one file for wrk -s.
export function buildScript(workDir, scenario) {
  const path = join(workDir, `${scenario.id}-${scenario.script}`);
  writeFileSync(path, `${readFileSync(join(WRK_DIR, 'common.lua'), 'utf8')}\n${readFileSync(join(WRK_DIR, scenario.script), 'utf8')}`);
  return path;
}

// One wrk run; answers the figures its done() printed.
export async function wrk({ url, script, seconds, threads, connections, timeout, args }) {
  const argv = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', timeout, '-s', script, url, '--'];
  for (const [key, value] of Object.entries(args)) argv.push(`${key}=${value}`);
  const out = await run('wrk', argv, (seconds + 60) * 1000);
  const line = out.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  const r = JSON.parse(line.slice('BENCH '.length));
  const socketErrors = r.connect + r.read + r.write + r.timeout;
  return {
    requests: r.requests,
    seconds: r.duration_us / 1e6,
    rps: r.requests / (r.duration_us / 1e6),
    meanMs: r.mean_us / 1000,
    p50Ms: r.p50_us / 1000,
    p90Ms: r.p90_us / 1000,
    p99Ms: r.p99_us / 1000,
    maxMs: r.max_us / 1000,
    ok: r.ok,
    unexpected: r.bad,
    empty: r.empty,
    socketErrors,
    timeouts: r.timeout,
    errors: r.bad + socketErrors,
    errorSample: r.sample,
  };
}

// A wait for a quiet machine, a warm-up, then the measured run with the memory of the server's
// process tree sampled every 100 ms and the CPU it, PostgreSQL and the machine used counted.
// `settings`: url, pid, workDir, threads, connections, timeout, duration, warmup, and the common
// script arguments (user, project, data file paths by name, search limit).
export async function measure(scenario, settings, log = console.error) {
  const script = buildScript(settings.workDir, scenario);
  const args = {
    user: settings.user,
    project: settings.project,
    expect: scenario.expect,
    threads: settings.threads,
    limit: settings.searchLimit,
    ...(scenario.data ? { data: settings.dataFiles[scenario.data] } : {}),
    ...scenario.args,
  };
  const common = { url: settings.url, script, threads: settings.threads, connections: settings.connections, timeout: settings.timeout };
  const settled = await waitForQuiet();
  if (!settled.quiet) log(`  ${scenario.id}: the machine was still ${Math.round(settled.busyShare * 100)}% busy after ${Math.round(settled.waitedMs / 1000)} s; measuring anyway`);
  let warm = null;
  if (settings.warmup > 0) {
    warm = await wrk({ ...common, seconds: settings.warmup, args: { ...args, tag: `${settings.tag}w` } });
    if (warm.errors > 0) log(`  ${scenario.id} warm-up: ${warm.errors} errors, e.g. ${warm.errorSample || '(socket errors)'}`);
  }
  const sampler = sampleMemory(settings.pid);
  const cpuSampler = sampleCpu(settings.pid);
  let result;
  try {
    result = await wrk({ ...common, seconds: settings.duration, args: { ...args, tag: settings.tag } });
  } catch (error) {
    sampler.stop();
    throw error;
  }
  const memory = sampler.stop();
  // requests wrk sent, answered or not: each cost the server something
  const cpu = cpuSampler.stop(result.requests);
  return { ...result, memory, cpu, warmupErrors: warm?.errors ?? null, warmupRequests: warm?.requests ?? null, warmupOk: warm?.ok ?? 0 };
}
