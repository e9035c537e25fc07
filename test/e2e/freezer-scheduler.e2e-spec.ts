// SPDX-License-Identifier: Apache-2.0
// The real freezer-scheduler 13 (Debian package freezer-scheduler) runs jobs through the real
// freezer-agent (python3-freezer) against the compiled service (spec §9, §12). It is started in
// the foreground (`--no-daemon`) and polls every second (`--interval 1`); it authenticates with
// the Keystone stand-in, whose catalog sends it to a recording proxy in front of the service, so
// the test sees every request it makes (registration, polls, whole-document and partial PATCH
// write-backs) and every answer, and checks them against §9.2 and §9.3.
//
// The jobs run `exec` actions. freezer-agent builds a storage even for exec, and its default
// (swift) needs an object-store endpoint in the catalog, so the actions say `storage: local`.
// It also builds OpenStack clients from the OS_* variables even for exec; the scheduler passes its
// own environment on, so the stand-in serves it too. Its `--command` is split on spaces (no
// shell), so the commands are simple: `touch <marker>`, `false`, `mktemp -p <dir>` (one new file
// per run). The scheduler's client_id ends with this machine's hostname (socket.gethostname()).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BOOT_TIMEOUT_MS, findExecutable, openStackEnv, startApiService } from '../utils/freezer-cli.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { type KeystoneStandIn, startKeystoneStandIn } from '../utils/keystone-stand-in.js';
import { type RecordedExchange, type RecordingProxy, startRecordingProxy } from '../utils/recording-proxy.js';
import type { ServiceProcess } from '../utils/service-process.js';

const WAIT_MS = 45_000;
const TEST_MS = 90_000;

type Json = Record<string, unknown>;

interface Scheduler {
  child: ChildProcess;
  output(): string;
}

// The scheduler in the foreground as `user`, in its own process group so that stopping it also
// ends a freezer-agent it may have running.
function startScheduler(executable: string, env: Record<string, string>, jobsDir: string): Scheduler {
  const child = spawn(executable, ['--no-daemon', '--interval', '1', '--conf', jobsDir, 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => text };
}

async function stopScheduler(scheduler: Scheduler | undefined): Promise<void> {
  const child = scheduler?.child;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// The scheduler parses schedule dates as naive "%Y-%m-%dT%H:%M:%S"; it runs with TZ=UTC.
function utcDate(msFromNow: number): string {
  return new Date(Date.now() + msFromNow).toISOString().slice(0, 19);
}

describe('the real freezer-scheduler 13 (with freezer-agent) against the running service', () => {
  const identity = newIdentity();
  const project = identity.projectId;
  // freezerclient's client_id: "<token project id>_<socket.gethostname()>" (§9.2)
  const clientId = `${project}_${hostname()}`;
  let workDir: string;
  let api: { service: ServiceProcess; url: string } | undefined;
  let proxy: RecordingProxy | undefined;
  let keystone: KeystoneStandIn | undefined;
  let scheduler: Scheduler | undefined;

  beforeAll(async () => {
    const schedulerBin = findExecutable('freezer-scheduler', 'freezer-scheduler');
    findExecutable('freezer-agent', 'freezer-scheduler'); // python3-freezer, a dependency of freezer-scheduler
    workDir = mkdtempSync(join(tmpdir(), 'freezer-scheduler-'));
    for (const dir of ['home', 'jobs', 'storage', 'runs']) mkdirSync(join(workDir, dir));
    // liveness written every second, so that the report sees the scheduler's polls at once
    api = await startApiService({ LIVENESS_RESOLUTION_S: '1' });
    proxy = await startRecordingProxy(api.url);
    keystone = await startKeystoneStandIn(proxy.url);
    scheduler = startScheduler(schedulerBin, openStackEnv(identity, keystone.url, join(workDir, 'home')), join(workDir, 'jobs'));
    // registered and polling: the first poll has been answered
    await waitFor('the scheduler to register and poll', () => polls()[0]);
  }, BOOT_TIMEOUT_MS + WAIT_MS);

  afterAll(async () => {
    await stopScheduler(scheduler);
    await api?.service.stop(5_000);
    await proxy?.close();
    await keystone?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  function schedulerOutput(): string {
    return scheduler?.output() ?? '(not started)';
  }

  // Polls `probe` every 200 ms until it gives a value; fails after WAIT_MS with the scheduler's output.
  async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (scheduler && scheduler.child.exitCode !== null) throw new Error(`the scheduler exited (${scheduler.child.exitCode}):\n${schedulerOutput()}`);
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}; scheduler output:\n${schedulerOutput()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; etag: string | null }> {
    const res = await fetch(`${api!.url}/v2/${project}${path}`, {
      method,
      headers: { ...identityHeaders(identity), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Json), etag: res.headers.get('etag') };
  }

  async function getJob(jobId: string): Promise<{ doc: Json; etag: string | null }> {
    const { status, body, etag } = await call('GET', `/jobs/${jobId}`);
    expect(status).toBe(200);
    return { doc: body, etag };
  }

  function polls(): RecordedExchange[] {
    return proxy!.exchanges.filter((e) => e.method === 'GET' && e.url.startsWith(`/v2/${project}/jobs/?`));
  }

  function writeBacks(jobId: string): RecordedExchange[] {
    return proxy!.exchanges.filter((e) => e.method === 'PATCH' && e.url === `/v2/${project}/jobs/${jobId}`);
  }

  // Resolves once the scheduler has sent `count` PATCHes for the job, with exactly those.
  async function waitForWriteBacks(jobId: string, count: number, what: string): Promise<RecordedExchange[]> {
    return waitFor(`${what} (${count} PATCHes of job ${jobId})`, () => {
      const seen = writeBacks(jobId);
      return seen.length >= count ? seen : undefined;
    });
  }

  async function createJob(description: string, schedule: Json, command: string): Promise<Json> {
    const created = await call('POST', '/jobs', {
      client_id: clientId,
      description,
      job_schedule: schedule,
      job_actions: [
        {
          freezer_action: { action: 'exec', command, storage: 'local', container: join(workDir, 'storage') },
          max_retries: 0,
          max_retries_interval: 1,
        },
      ],
    });
    expect(created.status).toBe(201);
    const { doc, etag } = await getJob(created.body.job_id as string);
    expect(etag).toBe('"1"');
    return doc;
  }

  const written = (jobId: string, version: number) => ({ status: 200, responseBody: { job_id: jobId, version } });

  it('registers its client (POST /clients {client_id, hostname}) and polls its jobs with the §9.2 search body', async () => {
    expect(proxy!.exchanges[0]).toEqual({
      method: 'POST',
      url: `/v2/${project}/clients/`,
      requestBody: { client_id: clientId, hostname: hostname() },
      status: 201,
      responseBody: { client_id: clientId },
    });
    expect(polls()[0]).toEqual({
      method: 'GET',
      url: `/v2/${project}/jobs/?limit=10&offset=0`,
      requestBody: { match_not: [{ status: 'completed' }], match: [{ client_id: clientId }] },
      status: 200,
      responseBody: { jobs: [] },
    });
    const { status, body } = await call('GET', `/clients/${clientId}`);
    expect({ status, body }).toEqual({
      status: 200,
      body: {
        client: { client_id: clientId, hostname: hostname(), uuid: expect.stringMatching(/^[0-9a-f]{32}$/) },
        user_id: identity.userId,
        project_id: project,
      },
    });
  }, TEST_MS);

  it(
    'runs a one-shot exec job: scheduled -> running -> completed/success, and the command really ran',
    async () => {
      const marker = join(workDir, 'one-shot.marker');
      const job = await createJob('one-shot exec', {}, `touch ${marker}`);
      const jobId = job.job_id as string;
      const created = job.job_schedule as Json;
      expect(created).toEqual({ time_created: expect.any(Number), time_started: -1, time_ended: -1 });

      const patches = await waitForWriteBacks(jobId, 4, 'the run to complete');
      const running = (patches[1].requestBody as { job_schedule: Json }).job_schedule;
      const pid = ((patches[2].requestBody as Json).job_schedule as Json).current_pid;
      const ended = ((patches[3].requestBody as Json).job_schedule as Json).time_ended;
      const timeStarted = running.time_started as number;
      expect(patches).toEqual([
        // new job seen with no event: auto-started, the whole document as the poll returned it
        { method: 'PATCH', url: `/v2/${project}/jobs/${jobId}`, requestBody: { ...job, job_schedule: { ...created, event: '', status: 'scheduled' } }, ...written(jobId, 2) },
        // a run begins: only the schedule
        {
          method: 'PATCH',
          url: `/v2/${project}/jobs/${jobId}`,
          requestBody: { job_schedule: { ...created, event: '', status: 'running', result: '', time_started: expect.any(Number), time_ended: -1 } },
          ...written(jobId, 3),
        },
        // the action's freezer-agent started: its pid
        {
          method: 'PATCH',
          url: `/v2/${project}/jobs/${jobId}`,
          requestBody: { ...job, job_schedule: { ...created, event: '', status: 'running', result: '', time_started: timeStarted, time_ended: -1, current_pid: expect.any(Number) } },
          ...written(jobId, 4),
        },
        // run ends, one-shot job: completed, the whole document
        {
          method: 'PATCH',
          url: `/v2/${project}/jobs/${jobId}`,
          requestBody: {
            ...job,
            job_schedule: { ...created, event: '', status: 'completed', result: 'success', time_started: timeStarted, time_ended: expect.any(Number), current_pid: pid },
          },
          ...written(jobId, 5),
        },
      ]);
      expect(existsSync(marker)).toBe(true);
      const final = await getJob(jobId);
      expect(final).toEqual({
        doc: { ...job, job_schedule: { ...created, event: '', status: 'completed', result: 'success', time_started: timeStarted, time_ended: ended, current_pid: pid } },
        etag: '"5"',
      });
      expect(timeStarted).toBeGreaterThanOrEqual(created.time_created as number);
      expect(ended).toBeGreaterThanOrEqual(timeStarted);
      expect(pid).toBeGreaterThan(0);
      // a completed job leaves the poll (match_not status completed), and the scheduler forgets it
      await waitFor('the scheduler to drop the completed job', () => (schedulerOutput().includes(`REMOVE job ${jobId}`) ? true : undefined));
    },
    TEST_MS,
  );

  let failedJobId: string | undefined;

  it(
    'records a failing exec action as completed/fail',
    async () => {
      const job = await createJob('failing exec', {}, 'false');
      const jobId = job.job_id as string;
      failedJobId = jobId;
      const patches = await waitForWriteBacks(jobId, 4, 'the failed run to complete');
      expect(patches.map((p) => ({ status: p.status, schedule: (p.requestBody as Json).job_schedule }))).toEqual([
        { status: 200, schedule: expect.objectContaining({ event: '', status: 'scheduled' }) },
        { status: 200, schedule: expect.objectContaining({ event: '', status: 'running', result: '', time_ended: -1 }) },
        { status: 200, schedule: expect.objectContaining({ status: 'running', current_pid: expect.any(Number) }) },
        { status: 200, schedule: expect.objectContaining({ event: '', status: 'completed', result: 'fail', time_ended: expect.any(Number) }) },
      ]);
      const final = await getJob(jobId);
      expect(final.etag).toBe('"5"');
      expect(final.doc.job_schedule).toEqual({
        ...(job.job_schedule as Json),
        event: '',
        status: 'completed',
        result: 'fail',
        time_started: expect.any(Number),
        time_ended: expect.any(Number),
        current_pid: expect.any(Number),
      });
    },
    TEST_MS,
  );

  it(
    "shows its client active and the failed job's last run in the protection status",
    async () => {
      const report = await waitFor('the report to count the polling client as active', async () => {
        const { status, body } = await call('GET', '/status');
        expect(status).toBe(200);
        return (body.clients as Json).active === 1 ? body : undefined;
      });
      expect(report.clients).toEqual({ total: 1, active: 1, stale: 0 });
      const schedule = (await getJob(failedJobId!)).doc.job_schedule as Json;
      expect((report.failing_jobs as Json[]).find((item) => item.job_id === failedJobId)).toEqual({
        job_id: failedJobId,
        project_id: project,
        client_id: clientId,
        status: 'completed',
        event: '',
        result: 'fail',
        next_run: null,
        time_started: schedule.time_started,
        time_ended: schedule.time_ended,
      });
      expect(report.overdue_jobs).toEqual([]);
      expect(report.stale_clients).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'runs a recurring job at its start date, stops it on a stop event and runs it again on a start event',
    async () => {
      const runsDir = join(workDir, 'runs');
      const job = await createJob('recurring exec', { schedule_start_date: utcDate(4_000), schedule_interval: '1 hours' }, `mktemp -p ${runsDir} run.XXXXXX`);
      const jobId = job.job_id as string;
      const created = job.job_schedule as Json;
      const url = `/v2/${project}/jobs/${jobId}`;

      // first run; a recurring job goes back to "scheduled", with only its schedule written back
      const firstRun = await waitForWriteBacks(jobId, 4, 'the first run');
      const run1 = (firstRun[3].requestBody as { job_schedule: Json }).job_schedule;
      expect(firstRun).toEqual([
        { method: 'PATCH', url, requestBody: { ...job, job_schedule: { ...created, event: '', status: 'scheduled' } }, ...written(jobId, 2) },
        { method: 'PATCH', url, requestBody: { job_schedule: expect.objectContaining({ status: 'running', result: '', time_ended: -1 }) }, ...written(jobId, 3) },
        { method: 'PATCH', url, requestBody: { ...job, job_schedule: expect.objectContaining({ status: 'running', current_pid: expect.any(Number) }) }, ...written(jobId, 4) },
        {
          method: 'PATCH',
          url,
          requestBody: {
            job_schedule: {
              ...created,
              event: '',
              status: 'scheduled',
              result: 'success',
              time_started: expect.any(Number),
              time_ended: expect.any(Number),
              current_pid: expect.any(Number),
            },
          },
          ...written(jobId, 5),
        },
      ]);
      expect(readdirSync(runsDir)).toHaveLength(1);
      expect(await getJob(jobId)).toEqual({ doc: { ...job, job_schedule: run1 }, etag: '"5"' });

      // stop on a scheduled job: the scheduler unschedules it and writes back the whole document
      // twice; the second write changes nothing, so the version stays (D6)
      expect(await call('POST', `/jobs/${jobId}/event`, { stop: null })).toEqual({ status: 202, body: { result: 'success' }, etag: null });
      const stopped = { ...run1, event: '', status: 'stop' };
      const afterStop = await waitForWriteBacks(jobId, 6, 'the stop to be acted on');
      expect(afterStop.slice(4)).toEqual([
        { method: 'PATCH', url, requestBody: { ...job, job_schedule: stopped }, ...written(jobId, 7) },
        { method: 'PATCH', url, requestBody: { ...job, job_schedule: stopped }, ...written(jobId, 7) },
      ]);
      expect(await getJob(jobId)).toEqual({ doc: { ...job, job_schedule: stopped }, etag: '"7"' });

      // start: the API resets status and result; the scheduler schedules it again (its start date
      // is past, so it runs within seconds) and it runs a second time
      expect(await call('POST', `/jobs/${jobId}/event`, { start: null })).toEqual({ status: 202, body: { result: 'success' }, etag: null });
      const secondRun = await waitForWriteBacks(jobId, 10, 'the second run');
      const run2 = (secondRun[9].requestBody as { job_schedule: Json }).job_schedule;
      expect(secondRun.slice(6)).toEqual([
        { method: 'PATCH', url, requestBody: { ...job, job_schedule: { ...run1, event: '', status: 'scheduled', result: '' } }, ...written(jobId, 9) },
        { method: 'PATCH', url, requestBody: { job_schedule: expect.objectContaining({ status: 'running', result: '', time_ended: -1 }) }, ...written(jobId, 10) },
        { method: 'PATCH', url, requestBody: { ...job, job_schedule: expect.objectContaining({ status: 'running', current_pid: expect.any(Number) }) }, ...written(jobId, 11) },
        { method: 'PATCH', url, requestBody: { job_schedule: { ...run1, status: 'scheduled', result: 'success', time_started: expect.any(Number), time_ended: expect.any(Number), current_pid: expect.any(Number) } }, ...written(jobId, 12) },
      ]);
      expect(run2.time_started).toBeGreaterThanOrEqual(run1.time_ended as number);
      expect(readdirSync(runsDir)).toHaveLength(2);
      expect(await getJob(jobId)).toEqual({ doc: { ...job, job_schedule: run2 }, etag: '"12"' });

      // deleted in the API: the scheduler drops it at its next poll
      expect((await call('DELETE', `/jobs/${jobId}`)).status).toBe(204);
      await waitFor('the scheduler to drop the deleted job', () => (schedulerOutput().includes(`REMOVE job ${jobId}`) ? true : undefined));
    },
    TEST_MS,
  );

  it('got 200 for every poll and every write-back, and sent nothing the API refused', () => {
    const statuses = proxy!.exchanges.map((e) => `${e.method} ${e.url.replace(/\?.*/, '')} ${e.status}`);
    const refused = statuses.filter((line) => !/ (200|201)$/.test(line));
    expect(refused).toEqual([]);
    expect(polls().length).toBeGreaterThan(0);
  });
});
