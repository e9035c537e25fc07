// SPDX-License-Identifier: Apache-2.0
// Throughput of session start/end cycles (spec §10.5, D12): every action takes the session's row
// lock, so the actions on one session are serialised, in every process; on many sessions they
// run side by side. This measures both with wrk (Debian package `wrk`).
//
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/session-throughput.mjs
//
// Creates a scratch database on the server of DATABASE_URL (dropped at the end), starts the
// compiled service on it, and creates through the API 1 session with BENCH_JOBS member jobs and
// 200 sessions with BENCH_JOBS member jobs each (hold_off 3600). Then, per scenario, wrk runs a
// warm-up and a measured run of BENCH_DURATION seconds; its Lua script POSTs
// {"start": {"job_id", "current_tag": 0}} and {"end": {"job_id", "result": "success"}} in turn,
// rotating over the jobs: every start joins the run the first one began (tag 0 < 1 inside
// hold-off), every end completes its member, so each request is one locked write and answers 202.
// Printed: req/s, latency p50/p99, non-202 answers and socket errors; then a consistency check:
// the sessions' versions went up by at least the number of 202 answers (and by at most the
// requests wrk left in flight when it stopped), and every session started exactly one run.
//
// Settings: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 32), BENCH_THREADS (2),
// BENCH_JOBS (members per session, 3), BENCH_POOL (DB_POOL_SIZE of the service, 10).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createScratchDatabase, freePort, startService } from './scratch.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const JOBS_PER_SESSION = Number(process.env.BENCH_JOBS ?? 3);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const SPREAD_SESSIONS = 200;
const WARM_UP = 2;
const USER = 'bench-user';
const PROJECT = 'bench-project';

function run(file, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let port = 0;

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: '127.0.0.1', port, method, path, agent,
        headers: { 'X-User-Id': USER, 'X-Project-Id': PROJECT, 'Content-Type': 'application/json', ...(payload ? { 'Content-Length': payload.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve(/json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : text);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// Runs `work` over `items`, at most `limit` at a time.
async function pooled(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  }));
  return results;
}

// A session and its member jobs, created and joined through the API.
async function createSession(label) {
  const { session_id: sessionId } = await request('POST', `/v2/${PROJECT}/sessions`, {
    description: label, hold_off: 3600, schedule: { schedule_interval: '1 days' },
  });
  const jobIds = [];
  for (let j = 0; j < JOBS_PER_SESSION; j++) {
    const { job_id: jobId } = await request('POST', `/v2/${PROJECT}/jobs`, {
      client_id: `${PROJECT}_${label}-node-${j}`,
      description: `${label} member ${j}`,
      job_schedule: { schedule_interval: '1 days', event: 'stop', status: 'scheduled' },
      job_actions: [{ freezer_action: { action: 'backup', mode: 'fs', path_to_backup: '/etc', backup_name: `${label}-${j}`, container: 'bench' } }],
    });
    await request('PUT', `/v2/${PROJECT}/sessions/${sessionId}/jobs/${jobId}`);
    jobIds.push(jobId);
  }
  return { sessionId, jobIds };
}

// The wrk script: a start then an end per (session, job) pair, rotating over every pair; each
// thread starts at its own offset. done() prints one JSON line that the bench reads back.
function luaScript(sessions) {
  const pairs = sessions.flatMap(({ sessionId, jobIds }) => jobIds.map((jobId) => `{"${sessionId}","${jobId}"}`));
  return `
local pairs_ = {${pairs.join(',')}}
local threads = {}
local counter = 0
setup = function(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end
init = function(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-User-Id"] = "${USER}"
  wrk.headers["X-Project-Id"] = "${PROJECT}"
  ok = 0
  other = 0
  last_other = ""
end
request = function()
  local k = counter
  counter = counter + 1
  local pair = pairs_[((math.floor(k / 2) * ${THREADS} + offset) % #pairs_) + 1]
  local body
  if k % 2 == 0 then
    body = '{"start":{"job_id":"' .. pair[2] .. '","current_tag":0}}'
  else
    body = '{"end":{"job_id":"' .. pair[2] .. '","current_tag":1,"result":"success"}}'
  end
  return wrk.format(nil, "/v2/${PROJECT}/sessions/" .. pair[1] .. "/action", nil, body)
end
response = function(status, headers, body)
  if status == 202 then ok = ok + 1 else other = other + 1; last_other = status .. " " .. body end
end
done = function(summary, latency, requests)
  local ok_all, other_all, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    ok_all = ok_all + thread:get("ok")
    other_all = other_all + thread:get("other")
    local last = thread:get("last_other")
    if last ~= "" then sample = string.gsub(last, '[%c"\\\\]', ' ') end
  end
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"ok":%d,"other":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"sample":"%s"}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    ok_all, other_all, e.connect, e.read, e.write, e.status, e.timeout, sample))
end
`;
}

async function wrk(scriptPath, seconds) {
  const out = await run('wrk', ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--timeout', '10s', '-s', scriptPath, `http://127.0.0.1:${port}`], (seconds + 30) * 1000);
  const line = out.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  return JSON.parse(line.slice('BENCH '.length));
}

async function versions(db) {
  const { rows } = await db.query(`SELECT id, version, (doc->>'session_tag')::int AS tag FROM sessions`);
  return new Map(rows.map((r) => [r.id, r]));
}

async function main() {
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed: apt-get install -y wrk');
  const scratch = await createScratchDatabase();
  port = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), 'session-bench-'));
  let service;
  const db = new pg.Client({ connectionString: scratch.url });
  const rows = [];
  const checks = [];
  try {
    service = await startService(scratch.url, port, { HOST: '127.0.0.1', AUTH_MODE: 'noauth', DB_POOL_SIZE: String(POOL) });
    await db.connect();
    let clock = Date.now();
    const single = await createSession('single');
    const spread = await pooled(Array.from({ length: SPREAD_SESSIONS }, (_, i) => i), 16, (i) => createSession(`spread-${i}`));
    const setupRequests = (1 + SPREAD_SESSIONS) * (1 + 2 * JOBS_PER_SESSION);
    console.error(`created ${1 + SPREAD_SESSIONS} sessions with ${JOBS_PER_SESSION} members each (${setupRequests} requests) in ${((Date.now() - clock) / 1000).toFixed(1)} s`);

    for (const [label, sessions] of [['1 session', [single]], [`${SPREAD_SESSIONS} sessions`, spread]]) {
      const script = join(workDir, `${label.replace(/\W+/g, '-')}.lua`);
      writeFileSync(script, luaScript(sessions));
      const before = await versions(db);
      clock = Date.now();
      const warm = await wrk(script, WARM_UP);
      const result = await wrk(script, DURATION);
      const after = await versions(db);
      let writes = 0;
      let wrongTags = 0;
      for (const { sessionId } of sessions) {
        writes += after.get(sessionId).version - before.get(sessionId).version;
        if (after.get(sessionId).tag !== 1) wrongTags++;
      }
      const answered = warm.ok + result.ok;
      const socketErrors = result.connect + result.read + result.write + result.timeout;
      rows.push({ label, ...result, rps: result.requests / (result.duration_us / 1e6), socketErrors });
      checks.push({ label, answered, writes, inFlight: writes - answered, wrongTags, sessions: sessions.length, warmErrors: warm.other + warm.connect + warm.read + warm.write + warm.timeout });
      console.error(`${label}: done in ${((Date.now() - clock) / 1000).toFixed(1)} s`);
    }
  } finally {
    await db.end().catch(() => {});
    await service?.stop();
    agent.destroy();
    rmSync(workDir, { recursive: true, force: true });
    await scratch.drop();
  }

  console.log(`\nsession start/end cycles: wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s (after a ${WARM_UP} s warm-up), one service process, DB_POOL_SIZE=${POOL}, ${JOBS_PER_SESSION} members per session\n`);
  console.log('| sessions | requests | req/s | p50 ms | p99 ms | max ms | non-202 | socket errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.requests} | ${r.rps.toFixed(0)} | ${(r.p50_us / 1000).toFixed(2)} | ${(r.p99_us / 1000).toFixed(2)} | ${(r.max_us / 1000).toFixed(2)} | ${r.other} | ${r.socketErrors} |`);
    if (r.sample) console.log(`  last non-202 answer: ${r.sample}`);
  }
  console.log('\nconsistency (warm-up included): every 202 is one version of its session; wrk may stop with requests in flight');
  for (const c of checks) {
    const lost = c.writes < c.answered ? c.answered - c.writes : 0;
    console.log(`  ${c.label}: 202 answers ${c.answered}, session writes ${c.writes} (in flight at stop: ${c.inFlight}), lost updates ${lost}, sessions whose tag is not 1: ${c.wrongTags}/${c.sessions}, warm-up errors ${c.warmErrors}`);
  }
  const failed = rows.some((r) => r.other > 0 || r.socketErrors > 0) || checks.some((c) => c.writes < c.answered || c.inFlight > CONNECTIONS * 2 || c.wrongTags > 0 || c.warmErrors > 0);
  if (failed) {
    console.log('\nFAILED: see the figures above');
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
