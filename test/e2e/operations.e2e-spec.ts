// SPDX-License-Identifier: Apache-2.0
// Operational guarantees of the compiled service (`node dist/src/main.js`), on real processes and a
// real PostgreSQL server:
//
// 1. The database goes away under write load: a restart (`pg_ctlcluster restart`, a fast shutdown
//    that terminates every session), an outage of a few seconds (stop, wait, start), and sessions
//    ended one by one (pg_terminate_backend, whatever they are doing), on a cluster of the test's
//    own so nothing else is disturbed. While the database is away every request that needs it
//    answers 503 {"title": "Service Unavailable", "description"} (never a 500, never SQL or a
//    stack), /readyz answers 503 and /healthcheck 200; afterwards the same processes (not
//    restarted) serve again, and every write that was acknowledged with 201 is there. Pooled
//    connections dying with the server must not crash a process.
// 2. SIGTERM under write load: the process stops accepting connections, answers every request it
//    had received (also on keep-alive connections), closes the pool and exits 0; the set of
//    writes in the database is exactly the set acknowledged with 201. Past SHUTDOWN_TIMEOUT_MS it
//    exits 1 and says so.
// 3. Two processes on one database agree: what one writes the other reads at once, version (ETag)
//    included.
//
// Waits for recovery are bounded, with generous limits; nothing asserts how fast anything is.
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildJobDoc } from '../factories/job.factory.js';
import { buildSessionDoc } from '../factories/session.factory.js';
import { BOOT_TIMEOUT_MS, startApiService } from '../utils/freezer-cli.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { createPostgresCluster, type PostgresCluster } from '../utils/postgres-cluster.js';
import { freePort, type ServiceProcess, startService } from '../utils/service-process.js';
import { createScratchDatabase, isEmbeddedDatabase } from '../utils/test-database.js';

const UNAVAILABLE = { title: 'Service Unavailable', description: 'The database is unavailable; try again later' };
// how long a process may take to serve again once the database is back (generous, for a busy CI)
const RECOVERY_MS = 30_000;
const REQUEST_TIMEOUT_MS = 20_000;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

// An answer, or the network error that took its place (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…).
type Outcome = { answer: Answer; error?: undefined } | { answer?: undefined; error: string };

async function send(base: string, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Outcome> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('application/json') && text !== '') body = JSON.parse(text);
    return { answer: { status: res.status, headers: res.headers, text, body } };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? (error as Error).name ?? String(error) };
  }
}

// An answer that must come (the service is up): a network error fails the test with its code.
async function answer(base: string, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const outcome = await send(base, method, path, init);
  if (outcome.error !== undefined) throw new Error(`${method} ${base}${path}: ${outcome.error}`);
  return outcome.answer;
}

async function queryRows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

// Polls `probe` until it returns true; fails with `what` once `timeoutMs` has passed.
async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

const backupsPath = (identity: Identity) => `/v2/${identity.projectId}/backups`;

function expectUnavailable(outcome: Answer, what: string): void {
  expect({ what, status: outcome.status, body: outcome.body }).toEqual({ what, status: 503, body: UNAVAILABLE });
  expect(outcome.headers.get('content-type')).toMatch(/^application\/json/);
}

function expectAlive(service: ServiceProcess): void {
  expect({ pid: service.pid, exitCode: service.child.exitCode, signal: service.child.signalCode }).toEqual({
    pid: service.pid,
    exitCode: null,
    signal: null,
  });
  // started once: not restarted behind the test's back
  expect(service.output().match(/Freezer API listening on/g)).toHaveLength(1);
}

// Lines logged at level error (LOG_FORMAT json or text), and a crash's report of an unhandled error.
function errorLines(service: ServiceProcess): string[] {
  return service
    .output()
    .split('\n')
    .filter((line) => /"level":"(error|fatal)"|\b(ERROR|FATAL) \[|Unhandled 'error' event|uncaughtException/.test(line));
}

function refuseOnEmbedded(suite: string): void {
  if (isEmbeddedDatabase()) {
    throw new Error(
      `${suite} needs a real PostgreSQL server; it refuses to run on the embedded PGlite database. ` +
        'Set DATABASE_URL to a PostgreSQL database (CI always does).',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Write load: `workers` loops, each sending writes (every document with its own marker) and now and
// then a read, spread over the given processes, until stopped. Every outcome is kept.

interface LoadRecord {
  // write: a create (201); update: a PATCH (200); read: a list (200)
  kind: 'write' | 'update' | 'read';
  target: number;
  marker: string;
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
}

const EXPECTED_STATUS: Record<LoadRecord['kind'], number> = { write: 201, update: 200, read: 200 };

class WriteLoad {
  readonly records: LoadRecord[] = [];
  private running = true;
  private readonly workers: Array<Promise<void>>;
  private seq = 0;
  private readonly jobIds: string[] = [];

  constructor(
    private readonly label: string,
    private readonly urls: string[],
    private readonly identity: Identity,
    private readonly options: {
      workers: number;
      // backups: posts, and every fifth request a list; jobs: posts (a job and its actions in one
      // transaction) and PATCHes (a row lock, then the update) of the jobs made so far, in turn
      documents: 'backups' | 'jobs';
      // pause between two requests of a worker
      pauseMs: number;
      // after each request; a worker stops when it returns false
      next?: (record: LoadRecord) => boolean;
    },
  ) {
    this.workers = Array.from({ length: options.workers }, () => this.work());
  }

  acknowledged(): LoadRecord[] {
    return this.records.filter((record) => record.kind === 'write' && record.outcome.answer?.status === 201);
  }

  async stop(): Promise<LoadRecord[]> {
    this.running = false;
    await Promise.all(this.workers);
    return this.records;
  }

  finished(): Promise<void> {
    return Promise.all(this.workers).then(() => undefined);
  }

  private request(n: number, marker: string): { kind: LoadRecord['kind']; method: string; path: string; body?: unknown } {
    const project = this.identity.projectId;
    if (this.options.documents === 'backups') {
      if (n % 5 === 4) return { kind: 'read', method: 'GET', path: `/v2/${project}/backups?limit=5` };
      return { kind: 'write', method: 'POST', path: `/v2/${project}/backups`, body: buildBackupDoc({ backup_name: marker }) };
    }
    if (n % 2 === 1 && this.jobIds.length > 0) {
      const jobId = this.jobIds[n % this.jobIds.length];
      return { kind: 'update', method: 'PATCH', path: `/v2/${project}/jobs/${jobId}`, body: { description: marker } };
    }
    return { kind: 'write', method: 'POST', path: `/v2/${project}/jobs`, body: buildJobDoc({ description: marker }) };
  }

  private async work(): Promise<void> {
    while (this.running) {
      const n = this.seq++;
      const target = n % this.urls.length;
      const marker = `${this.label}-${n}`;
      const { kind, method, path, body } = this.request(n, marker);
      const startedAt = Date.now();
      const outcome = await send(this.urls[target], method, path, { body, headers: identityHeaders(this.identity) });
      const record: LoadRecord = { kind, target, marker, startedAt, endedAt: Date.now(), outcome };
      this.records.push(record);
      const jobId = (outcome.answer?.body as { job_id?: string } | undefined)?.job_id;
      if (kind === 'write' && outcome.answer?.status === 201 && jobId !== undefined) this.jobIds.push(jobId);
      if (this.options.next && !this.options.next(record)) return;
      if (this.options.pauseMs > 0) await sleep(this.options.pauseMs);
    }
  }
}

// /healthcheck and /readyz of every process, polled until stopped.
class HealthMonitor {
  readonly healthchecks: Array<{ target: number; outcome: Outcome }> = [];
  readonly readiness: Array<{ target: number; at: number; outcome: Outcome }> = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly urls: string[]) {
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async poll(): Promise<void> {
    while (this.running) {
      await Promise.all(
        this.urls.map(async (url, target) => {
          const [health, ready] = await Promise.all([send(url, 'GET', '/healthcheck'), send(url, 'GET', '/readyz')]);
          this.healthchecks.push({ target, outcome: health });
          this.readiness.push({ target, at: Date.now(), outcome: ready });
        }),
      );
      await sleep(100);
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('operations: PostgreSQL restarted or stopped under load (a cluster of the test\'s own)', () => {
  let cluster: PostgresCluster | undefined;
  let databaseUrl = '';
  const services: Array<{ service: ServiceProcess; url: string }> = [];
  const urls = () => services.map(({ url }) => url);

  beforeAll(async () => {
    cluster = await createPostgresCluster('freezer_outage');
    databaseUrl = await cluster.createDatabase('freezer');
    // a small pool, so that every pooled connection is used and then dies with the server
    const started = await Promise.allSettled([0, 1].map(() => startApiService({ DATABASE_URL: databaseUrl, DB_POOL_SIZE: '4' })));
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }, 3 * BOOT_TIMEOUT_MS);

  afterAll(async () => {
    // a process that died under the test: show how
    for (const { service } of services) {
      if (service.child.exitCode !== null || service.child.signalCode !== null) {
        console.log(`service ${service.pid} exited (${service.child.exitCode ?? service.child.signalCode}):\n${service.output().split('\n').slice(-40).join('\n')}`);
      }
    }
    await Promise.all(services.map(({ service }) => service.stop(5_000)));
    await cluster?.drop();
  }, 60_000);

  async function untilServing(identity: Identity): Promise<void> {
    for (const url of urls()) {
      let last: Outcome | undefined;
      await waitFor(`${url} writes again after the database came back`, RECOVERY_MS, async () => {
        last = await send(url, 'POST', backupsPath(identity), { body: buildBackupDoc(), headers: identityHeaders(identity) });
        return last.answer?.status === 201;
      }).catch((error: Error) => {
        throw new Error(`${error.message}; last answer: ${last?.error ?? `${last?.answer?.status} ${last?.answer?.text}`}`);
      });
    }
  }

  // Full service on every process, and every acknowledged backup is there: each read back by its id
  // through the process that did not write it, and all of them by SQL.
  async function expectServingAndKept(identity: Identity, acknowledged: LoadRecord[]): Promise<void> {
    for (const { service, url } of services) {
      expectAlive(service);
      const ready = await answer(url, 'GET', '/readyz');
      expect({ status: ready.status, body: ready.body }).toEqual({ status: 200, body: { status: 'ready' } });
      const list = await answer(url, 'GET', `${backupsPath(identity)}?limit=1`, { headers: identityHeaders(identity) });
      expect(list.status).toBe(200);
    }
    const stored = await queryRows<{ name: string }>(
      databaseUrl,
      "SELECT doc->'backup_metadata'->>'backup_name' AS name FROM backups WHERE project_id = $1",
      [identity.projectId],
    );
    const storedNames = new Set(stored.map(({ name }) => name));
    expect(acknowledged.map(({ marker }) => marker).filter((marker) => !storedNames.has(marker))).toEqual([]);
    const missing: string[] = [];
    const queue = [...acknowledged];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let record = queue.shift(); record; record = queue.shift()) {
          const id = (record.outcome.answer?.body as { backup_id: string }).backup_id;
          const got = await answer(urls()[(record.target + 1) % services.length], 'GET', `${backupsPath(identity)}/${id}`, {
            headers: identityHeaders(identity),
          });
          const name = (got.body as { backup_metadata?: { backup_name?: string } }).backup_metadata?.backup_name;
          if (got.status !== 200 || name !== record.marker) missing.push(`${record.marker} (${id}): ${got.status}`);
        }
      }),
    );
    expect(missing).toEqual([]);
  }

  // What every answer during a disruption may be: writes 201 or 503, reads 200 or 503, every 503
  // exactly the Service Unavailable body; no network error (the HTTP side never goes away).
  function expectOnlyCleanAnswers(records: LoadRecord[]): void {
    const unexpected = records
      .filter(({ kind, outcome }) => {
        if (outcome.error !== undefined) return true;
        const { status, body } = outcome.answer;
        // exactly this body: no SQL, driver message or stack can be in it
        if (status === 503) return JSON.stringify(body) !== JSON.stringify(UNAVAILABLE);
        return status !== EXPECTED_STATUS[kind];
      })
      .map(({ kind, marker, outcome }) => `${kind} ${marker}: ${outcome.error ?? `${outcome.answer?.status} ${outcome.answer?.text}`}`);
    expect(unexpected).toEqual([]);
  }

  function expectHealthMonitor(monitor: HealthMonitor): void {
    const unhealthy = monitor.healthchecks.filter(({ outcome }) => outcome.answer?.status !== 200 || outcome.answer.text !== 'OK');
    expect(unhealthy.map(({ target, outcome }) => `${target}: ${outcome.error ?? outcome.answer?.status}`)).toEqual([]);
    const badReadiness = monitor.readiness.filter(({ outcome }) => {
      if (outcome.error !== undefined) return true;
      const { status, body } = outcome.answer;
      return !(status === 200 && JSON.stringify(body) === '{"status":"ready"}') && !(status === 503 && JSON.stringify(body) === JSON.stringify(UNAVAILABLE));
    });
    expect(badReadiness.map(({ target, outcome }) => `${target}: ${outcome.error ?? `${outcome.answer?.status} ${outcome.answer?.text}`}`)).toEqual([]);
  }

  function expectNoErrorLogged(): void {
    for (const { service } of services) expect(errorLines(service)).toEqual([]);
  }

  it('GET /readyz answers 503 while the database is stopped and 200 once it is back; /healthcheck 200 throughout', async () => {
    const identity = newIdentity();
    // every process holds idle pooled connections when the server goes away
    for (const url of urls()) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => answer(url, 'GET', `${backupsPath(identity)}?limit=1`, { headers: identityHeaders(identity) })),
      );
      expect(answers.map(({ status }) => status)).toEqual(Array(8).fill(200));
      const ready = await answer(url, 'GET', '/readyz');
      expect({ status: ready.status, body: ready.body }).toEqual({ status: 200, body: { status: 'ready' } });
    }

    await cluster!.stop();
    try {
      // the idle connections' 'error' events have had time to arrive: no process died of them
      await sleep(1_000);
      for (const { service, url } of services) {
        expectAlive(service);
        expectUnavailable(await answer(url, 'GET', '/readyz'), 'GET /readyz');
        const health = await answer(url, 'GET', '/healthcheck');
        expect({ status: health.status, text: health.text }).toEqual({ status: 200, text: 'OK' });
        expect((await answer(url, 'HEAD', '/healthcheck')).status).toBe(204);
        expectUnavailable(await answer(url, 'GET', backupsPath(identity), { headers: identityHeaders(identity) }), 'GET backups');
        expectUnavailable(
          await answer(url, 'POST', backupsPath(identity), { body: buildBackupDoc(), headers: identityHeaders(identity) }),
          'POST backup',
        );
      }
    } finally {
      await cluster!.start();
    }

    for (const url of urls()) {
      await waitFor(`${url}/readyz answers 200 again`, RECOVERY_MS, async () => (await send(url, 'GET', '/readyz')).answer?.status === 200);
      const health = await answer(url, 'GET', '/healthcheck');
      expect(health.status).toBe(200);
    }
    await untilServing(identity);
    await expectServingAndKept(identity, []);
    expectNoErrorLogged();
  }, 120_000);

  // Load runs on both processes; once writes are flowing, `disrupt` takes the database away and
  // brings it back; the load goes on until both processes write again, then a little longer.
  async function underLoad(label: string, disrupt: (identity: Identity) => Promise<void>) {
    const identity = newIdentity();
    const monitor = new HealthMonitor(urls());
    const load = new WriteLoad(label, urls(), identity, { workers: 6, documents: 'backups', pauseMs: 15 });
    try {
      await waitFor('writes acknowledged before the disruption', 30_000, async () => load.acknowledged().length >= 20);
      await disrupt(identity);
      await untilServing(identity);
      const before = load.acknowledged().length;
      await waitFor('writes acknowledged after the recovery', 30_000, async () => load.acknowledged().length >= before + 20);
    } finally {
      await load.stop();
      await monitor.stop();
    }
    return { identity, records: load.records, acknowledged: load.acknowledged(), monitor };
  }

  it('a restart (fast shutdown: sessions terminated) under write load: 201 or 503, never 500; the same processes serve again; every 201 is kept', async () => {
    const { identity, records, acknowledged, monitor } = await underLoad('restart', async () => {
      await cluster!.restart();
    });
    expectOnlyCleanAnswers(records);
    expectHealthMonitor(monitor);
    expect(records.filter(({ outcome }) => outcome.answer?.status === 201).length).toBeGreaterThanOrEqual(40);
    await expectServingAndKept(identity, acknowledged);
    expectNoErrorLogged();
  }, 180_000);

  it('sessions terminated by the server under write load (pg_terminate_backend, as an administrator or a failover does): 201, 200 or 503, never 500; every 201 is kept', async () => {
    const identity = newIdentity();
    const load = new WriteLoad('terminate', urls(), identity, { workers: 8, documents: 'jobs', pauseMs: 0 });
    const admin = new pg.Client({ connectionString: cluster!.url('postgres') });
    let terminated = 0;
    try {
      await admin.connect();
      await waitFor('writes acknowledged before the terminations', 30_000, async () => load.acknowledged().length >= 10);
      // for a few seconds, every session of the service is ended as soon as it appears, whatever
      // it is doing: running a statement, idle in a transaction between two, or idle in the pool
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        const { rows } = await admin.query(
          `WITH service AS MATERIALIZED (
             SELECT pid FROM pg_stat_activity
              WHERE datname = 'freezer' AND application_name = 'freezer-api' AND pid <> pg_backend_pid())
           SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM service`,
        );
        terminated += (rows[0] as { n: number }).n;
        await sleep(20);
      }
      await untilServing(identity);
      const before = load.acknowledged().length;
      await waitFor('writes acknowledged after the terminations', 30_000, async () => load.acknowledged().length >= before + 10);
    } finally {
      await load.stop();
      await admin.end();
    }
    expect(terminated).toBeGreaterThan(0);
    expectOnlyCleanAnswers(load.records);
    expect(load.records.filter(({ outcome }) => outcome.answer?.status === 503).length).toBeGreaterThan(0);
    for (const { service } of services) expectAlive(service);

    const jobIds = load.acknowledged().map(({ outcome }) => (outcome.answer?.body as { job_id: string }).job_id);
    const stored = new Set(
      (await queryRows<{ id: string }>(databaseUrl, 'SELECT id FROM jobs WHERE project_id = $1', [identity.projectId])).map(({ id }) => id),
    );
    expect(jobIds.filter((id) => !stored.has(id))).toEqual([]);
    for (const [i, id] of jobIds.entries()) {
      const got = await answer(urls()[i % 2], 'GET', `/v2/${identity.projectId}/jobs/${id}`, { headers: identityHeaders(identity) });
      expect({ id, status: got.status }).toEqual({ id, status: 200 });
    }
    expectNoErrorLogged();
  }, 180_000);

  it('an outage (stop, a few seconds down, start) under write load: 503 while down, /readyz 503 then 200; every 201 is kept', async () => {
    let downFrom = 0;
    let downUntil = 0;
    const { identity, records, acknowledged, monitor } = await underLoad('outage', async (probeIdentity) => {
      await cluster!.stop();
      downFrom = Date.now();
      try {
        // down for real: every process says so, on every route that needs the database
        for (const { service, url } of services) {
          expectAlive(service);
          expectUnavailable(await answer(url, 'GET', '/readyz'), 'GET /readyz while down');
          expectUnavailable(
            await answer(url, 'POST', backupsPath(probeIdentity), { body: buildBackupDoc(), headers: identityHeaders(probeIdentity) }),
            'POST backup while down',
          );
          expect((await answer(url, 'GET', '/healthcheck')).status).toBe(200);
        }
        await sleep(2_000);
      } finally {
        downUntil = Date.now();
        await cluster!.start();
      }
    });
    expectOnlyCleanAnswers(records);
    expectHealthMonitor(monitor);

    // requests sent while the server was down all answered 503, reads and writes alike
    const whileDown = records.filter(({ startedAt, endedAt }) => startedAt >= downFrom && endedAt <= downUntil);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.filter(({ outcome }) => outcome.answer?.status !== 503).map(({ marker }) => marker)).toEqual([]);
    expect(new Set(whileDown.map(({ kind }) => kind))).toEqual(new Set(['read', 'write']));

    // readiness, per process: 200, then 503 while down, then 200 again
    for (let target = 0; target < services.length; target++) {
      const statuses = monitor.readiness.filter((probe) => probe.target === target).map(({ outcome }) => outcome.answer?.status);
      const collapsed = statuses.filter((status, i) => i === 0 || status !== statuses[i - 1]);
      expect({ target, collapsed }).toEqual({ target, collapsed: [200, 503, 200] });
    }
    await expectServingAndKept(identity, acknowledged);
    expectNoErrorLogged();
  }, 180_000);
});

// ---------------------------------------------------------------------------------------------

describe('operations: SIGTERM', () => {
  let scratch: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    refuseOnEmbedded('operations');
    scratch = await createScratchDatabase('shutdown');
  });

  afterAll(async () => {
    await scratch?.drop();
  });

  async function start(env: Record<string, string> = {}): Promise<{ service: ServiceProcess; url: string }> {
    const service = startService({ DATABASE_URL: scratch!.url, PORT: String(await freePort()), HOST: '127.0.0.1', DB_POOL_SIZE: '4', ...env });
    try {
      return { service, url: await service.listening(BOOT_TIMEOUT_MS) };
    } catch (error) {
      await service.stop(5_000);
      throw error;
    }
  }

  async function storedNames(identity: Identity): Promise<string[]> {
    const rows = await queryRows<{ name: string }>(
      scratch!.url,
      "SELECT doc->'backup_metadata'->>'backup_name' AS name FROM backups WHERE project_id = $1",
      [identity.projectId],
    );
    return rows.map(({ name }) => name).sort();
  }

  // A new TCP connection to the port: resolves with the error code, or 'connected'.
  function tryConnect(url: string): Promise<string> {
    const { hostname, port } = new URL(url);
    return new Promise((resolveConnect) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.once('connect', () => {
        socket.destroy();
        resolveConnect('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolveConnect(error.code ?? error.message));
    });
  }

  // A request through a given agent (node:http), so the test knows which connection it used.
  function agentRequest(
    agent: Agent,
    url: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): { reused: Promise<boolean>; done: Promise<{ status: number; headers: IncomingHttpHeaders; body: string } | { error: string }> } {
    let reusedSocket!: (reused: boolean) => void;
    const reused = new Promise<boolean>((resolveReused) => (reusedSocket = resolveReused));
    const done = new Promise<{ status: number; headers: IncomingHttpHeaders; body: string } | { error: string }>((resolveDone) => {
      const req = httpRequest(`${url}${path}`, { method, agent, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolveDone({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('socket', () => reusedSocket(req.reusedSocket));
      req.on('error', (error: NodeJS.ErrnoException) => resolveDone({ error: error.code ?? error.message }));
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
    return { reused, done };
  }

  // Holds every INSERT into backups (SHARE ROW EXCLUSIVE conflicts with the ROW EXCLUSIVE an
  // INSERT takes) until released, so a POST stays in flight as long as the test wants.
  async function lockBackups(): Promise<{ waiting(): Promise<number>; release(): Promise<void> }> {
    const client = new pg.Client({ connectionString: scratch!.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE backups IN SHARE ROW EXCLUSIVE MODE');
    let released = false;
    return {
      async waiting() {
        // This client's transaction holds the lock, and PostgreSQL reads pg_stat_activity once per
        // transaction: without clearing that snapshot, every probe after the first would see the
        // first one's answer.
        await client.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await client.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'freezer-api' AND wait_event_type = 'Lock'",
        );
        return (rows[0] as { n: number }).n;
      },
      async release() {
        if (released) return;
        released = true;
        await client.query('ROLLBACK');
        await client.end();
      },
    };
  }

  it('under write load: exits 0, answers every request it received, refuses new connections, and keeps exactly the writes it acknowledged', async () => {
    const { service, url } = await start();
    const identity = newIdentity();
    let signalledAt = Number.POSITIVE_INFINITY;
    // each worker goes on past the signal until a new connection is refused
    const load = new WriteLoad('sigterm', [url], identity, {
      workers: 8,
      documents: 'backups',
      pauseMs: 0,
      next: (record) => record.outcome.error !== 'ECONNREFUSED' && Date.now() - signalledAt < 30_000,
    });
    let code: number | null;
    try {
      await waitFor('writes acknowledged before the signal', 30_000, async () => load.acknowledged().length >= 40);
      signalledAt = Date.now();
      service.child.kill('SIGTERM');
      code = await service.exited(30_000);
      await load.finished();
    } finally {
      await load.stop();
      await service.stop(5_000);
    }
    expect(code).toBe(0);
    expect(service.output()).toContain('SIGTERM received, shutting down');
    expect(service.output()).toContain('Shutdown complete');
    expect(errorLines(service)).toEqual([]);

    const records = load.records;
    // every answer was a 201 (or 200 for a list): no 5xx while shutting down
    expect(
      records.filter(({ kind, outcome }) => outcome.answer !== undefined && outcome.answer.status !== EXPECTED_STATUS[kind]).map(({ marker }) => marker),
    ).toEqual([]);
    // whatever was finished or well under way before the signal was answered; a network error is
    // only possible for a request sent about when the listening socket closed (refused, or reset
    // on a keep-alive connection that was idle at that moment)
    const settledBefore = records.filter(({ startedAt }) => startedAt < signalledAt - 100);
    expect(settledBefore.filter(({ outcome }) => outcome.error !== undefined).map(({ marker, outcome }) => `${marker}: ${outcome.error}`)).toEqual([]);
    // every worker ended on a refused connection
    expect(records.filter(({ outcome }) => outcome.error === 'ECONNREFUSED').length).toBeGreaterThanOrEqual(8);
    // the writes in the database are exactly those acknowledged: none lost, none done unanswered
    const acknowledged = load.acknowledged().map(({ marker }) => marker).sort();
    await expect(storedNames(identity)).resolves.toEqual(acknowledged);
    await expect(tryConnect(url)).resolves.toBe('ECONNREFUSED');
  }, 120_000);

  it('waits for a request in flight on a keep-alive connection, refusing new connections meanwhile, then answers it and exits 0', async () => {
    const { service, url } = await start();
    const identity = newIdentity();
    const busy = new Agent({ keepAlive: true, maxSockets: 1 });
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    const lock = await lockBackups();
    try {
      // the connection the write will use has served a request already; another one stays idle
      const warm = agentRequest(busy, url, 'GET', '/healthcheck', {});
      expect(await warm.done).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });
      expect(await agentRequest(idle, url, 'GET', '/healthcheck', {}).done).toMatchObject({ status: 200 });

      const write = agentRequest(busy, url, 'POST', backupsPath(identity), identityHeaders(identity), buildBackupDoc({ backup_name: 'held' }));
      await expect(write.reused).resolves.toBe(true);
      await waitFor('the write waits for the lock', 15_000, async () => (await lock.waiting()) >= 1);

      service.child.kill('SIGTERM');
      await waitFor('the signal is logged', 15_000, async () => service.output().includes('SIGTERM received, shutting down'));
      await waitFor('new connections are refused', 15_000, async () => (await tryConnect(url)) === 'ECONNREFUSED');
      // still running: the write has not been answered yet
      await sleep(1_000);
      expect(service.child.exitCode).toBeNull();
      expect(await send(url, 'GET', '/healthcheck')).toEqual({ error: 'ECONNREFUSED' });

      await lock.release();
      const written = await write.done;
      expect(written).toMatchObject({ status: 201, headers: { connection: 'close' } });
      expect(JSON.parse((written as { body: string }).body)).toEqual({ backup_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
      await expect(service.exited(30_000)).resolves.toBe(0);
    } finally {
      await lock.release();
      busy.destroy();
      idle.destroy();
      await service.stop(5_000);
    }
    expect(service.output()).toContain('Shutdown complete');
    await expect(storedNames(identity)).resolves.toEqual(['held']);
  }, 120_000);

  it('a request whose client gave up still finishes before the database pool closes: its write is kept and the exit is clean', async () => {
    const { service, url } = await start();
    const identity = newIdentity();
    const v2 = `/v2/${identity.projectId}`;
    const headers = identityHeaders(identity);
    const { job_id: jobId } = (await answer(url, 'POST', `${v2}/jobs`, { body: buildJobDoc(), headers })).body as { job_id: string };
    const { session_id: sessionId } = (await answer(url, 'POST', `${v2}/sessions`, { body: buildSessionDoc({ hold_off: 3600 }), headers })).body as { session_id: string };
    expect((await answer(url, 'PUT', `${v2}/sessions/${sessionId}/jobs/${jobId}`, { headers })).status).toBe(204);
    // A session action reads the session, then writes it with a statement of its own: the read
    // waits behind this lock, and the write needs the pool again after the shutdown has begun.
    const holder = new pg.Client({ connectionString: scratch!.url });
    await holder.connect();
    const agent = new Agent({ keepAlive: true });
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
      const action = agentRequest(agent, url, 'POST', `${v2}/sessions/${sessionId}/action`, headers, { start: { job_id: jobId, current_tag: 0 } });
      await waitFor('the action waits for the lock', 15_000, async () => {
        await holder.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await holder.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'freezer-api' AND wait_event_type = 'Lock'",
        );
        return (rows[0] as { n: number }).n >= 1;
      });
      // the client goes away without its answer
      agent.destroy();
      await expect(action.done).resolves.toEqual({ error: expect.any(String) });
      service.child.kill('SIGTERM');
      await waitFor('new connections are refused', 15_000, async () => (await tryConnect(url)) === 'ECONNREFUSED');
      await sleep(1_000);
      // still at work on the action nobody waits for
      expect(service.child.exitCode).toBeNull();
      await holder.query('ROLLBACK');
      await expect(service.exited(30_000)).resolves.toBe(0);
    } finally {
      await holder.end();
      agent.destroy();
      await service.stop(5_000);
    }
    expect(service.output()).toContain('Shutdown complete');
    expect(errorLines(service)).toEqual([]);
    const [session] = await queryRows<{ tag: number; status: string }>(
      scratch!.url,
      "SELECT (doc->>'session_tag')::int AS tag, doc->'jobs'->$2->>'status' AS status FROM sessions WHERE id = $1",
      [sessionId, jobId],
    );
    expect(session).toEqual({ tag: 1, status: 'running' });
  }, 120_000);

  it('past SHUTDOWN_TIMEOUT_MS, exits 1 and says how many requests were left unanswered', async () => {
    const { service, url } = await start({ SHUTDOWN_TIMEOUT_MS: '1500' });
    const identity = newIdentity();
    const agent = new Agent({ keepAlive: true });
    const lock = await lockBackups();
    try {
      const write = agentRequest(agent, url, 'POST', backupsPath(identity), identityHeaders(identity), buildBackupDoc());
      await waitFor('the write waits for the lock', 15_000, async () => (await lock.waiting()) >= 1);
      service.child.kill('SIGTERM');
      await expect(service.exited(30_000)).resolves.toBe(1);
      // cut off, never acknowledged
      await expect(write.done).resolves.toEqual({ error: expect.any(String) });
    } finally {
      await lock.release();
      agent.destroy();
      await service.stop(5_000);
    }
    expect(service.output()).toMatch(/Shutdown did not finish within 1500 ms \(SHUTDOWN_TIMEOUT_MS\); exiting with 1 request\(s\) unanswered/);
    expect(service.output()).not.toContain('Shutdown complete');
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------

describe('operations: two processes on one database agree at once', () => {
  const identity = newIdentity();
  const headers = identityHeaders(identity);
  const services: Array<{ service: ServiceProcess; url: string }> = [];
  const [a, b] = [0, 1].map((i) => () => services[i].url);

  beforeAll(async () => {
    refuseOnEmbedded('operations');
    const started = await Promise.allSettled([0, 1].map(() => startApiService()));
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }, 3 * BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(services.map(({ service }) => service.stop(5_000)));
  });

  const path = (collection: string, id = '') => `/v2/${identity.projectId}/${collection}${id === '' ? '' : `/${id}`}`;

  async function get(base: string, collection: string, id: string): Promise<Answer> {
    return answer(base, 'GET', path(collection, id), { headers });
  }

  async function listedIds(base: string, collection: string, idKey: string): Promise<string[]> {
    const list = await answer(base, 'GET', `${path(collection)}?limit=1000`, { headers });
    expect(list.status).toBe(200);
    return (list.body as Record<string, Array<Record<string, string>>>)[collection].map((doc) => doc[idKey]);
  }

  // create on A, read on B; PATCH on B, read on A; a stale If-Match refused on A; PATCH on A, read
  // on B; a stale delete refused on B, delete on B; gone on A, in its list too.
  it.each([
    ['jobs', 'job_id', () => buildJobDoc({ description: 'first' })],
    ['sessions', 'session_id', () => buildSessionDoc({ description: 'first' })],
  ])('%s: create, PATCH and delete through one process are read through the other at once, versions included', async (collection, idKey, build) => {
    const created = await answer(a(), 'POST', path(collection), { body: build(), headers });
    expect(created.status).toBe(201);
    const id = (created.body as Record<string, string>)[idKey];

    const first = await get(b(), collection, id);
    expect({ status: first.status, etag: first.headers.get('etag'), description: (first.body as { description: string }).description }).toEqual({
      status: 200,
      etag: '"1"',
      description: 'first',
    });
    await expect(listedIds(b(), collection, idKey)).resolves.toContain(id);

    const patched = await answer(b(), 'PATCH', path(collection, id), { body: { description: 'second' }, headers: { ...headers, 'If-Match': '"1"' } });
    expect({ status: patched.status, body: patched.body }).toEqual({ status: 200, body: { [idKey]: id, version: 2 } });
    const second = await get(a(), collection, id);
    expect({ etag: second.headers.get('etag'), description: (second.body as { description: string }).description }).toEqual({ etag: '"2"', description: 'second' });

    const stale = await answer(a(), 'PATCH', path(collection, id), { body: { description: 'lost' }, headers: { ...headers, 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);
    const again = await answer(a(), 'PATCH', path(collection, id), { body: { description: 'third' }, headers: { ...headers, 'If-Match': '"2"' } });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { [idKey]: id, version: 3 } });
    const third = await get(b(), collection, id);
    expect({ etag: third.headers.get('etag'), body: third.body }).toEqual({ etag: '"3"', body: (await get(a(), collection, id)).body });
    expect((third.body as { description: string }).description).toBe('third');

    expect((await answer(b(), 'DELETE', path(collection, id), { headers: { ...headers, 'If-Match': '"2"' } })).status).toBe(412);
    expect((await answer(b(), 'DELETE', path(collection, id), { headers: { ...headers, 'If-Match': '"3"' } })).status).toBe(204);
    expect((await get(a(), collection, id)).status).toBe(404);
    await expect(listedIds(a(), collection, idKey)).resolves.not.toContain(id);
  });

  // Backups are written once (freezer has no update for them): create and delete.
  it('backups: create and delete through one process are read through the other at once, versions included', async () => {
    const metadata = buildBackupDoc();
    const created = await answer(a(), 'POST', path('backups'), { body: metadata, headers });
    expect(created.status).toBe(201);
    const id = (created.body as { backup_id: string }).backup_id;

    const got = await get(b(), 'backups', id);
    expect({ status: got.status, etag: got.headers.get('etag'), metadata: (got.body as { backup_metadata: unknown }).backup_metadata }).toEqual({
      status: 200,
      etag: '"1"',
      metadata,
    });
    await expect(listedIds(b(), 'backups', 'backup_id')).resolves.toContain(id);

    expect((await answer(b(), 'DELETE', path('backups', id), { headers: { ...headers, 'If-Match': '"2"' } })).status).toBe(412);
    expect((await get(a(), 'backups', id)).status).toBe(200);
    expect((await answer(b(), 'DELETE', path('backups', id), { headers: { ...headers, 'If-Match': '"1"' } })).status).toBe(204);
    expect((await get(a(), 'backups', id)).status).toBe(404);
    await expect(listedIds(a(), 'backups', 'backup_id')).resolves.not.toContain(id);
  });
});
