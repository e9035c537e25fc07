// SPDX-License-Identifier: Apache-2.0
// Session start/end and membership races (spec D6, D7, D12, D13, §10.5-§10.7): two service
// processes (`node dist/src/main.js`, each on its own port) share one PostgreSQL database, and
// many scheduler nodes act on one session at once, their requests spread over both processes.
//
// The tag protocol (§10.5) with hold_off 300: every member sends `start` with current_tag 0. The
// first start to take the session's row lock finds the tag equal and the window long past (a new
// session's time_start is -1), so it starts a run (session_tag 0 -> 1); every later one finds
// 0 < 1 inside the window and joins that run. So every start answers 202 {"result": "success",
// "session_tag": 1} whoever was first, and the proof that exactly one run started is the stored
// tag: exactly 1. Each start and each end changes the session, so its version (ETag, D6) moves by
// exactly one per request: a read-decide-write that raced another one (no lock, or a lock in one
// process only) would lose a member's entry or a version, and the checks below would see it.
//
// PGlite (the embedded database a local run may use) serialises every connection and the suite
// runs a single process on it, so these tests refuse to run there rather than pass trivially.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../src/common/json/json.types.js';
import { buildJobDoc } from '../factories/job.factory.js';
import { BOOT_TIMEOUT_MS, startApiService } from '../utils/freezer-cli.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import type { ServiceProcess } from '../utils/service-process.js';
import { isEmbeddedDatabase } from '../utils/test-database.js';

const MEMBERS = 50;
const HOLD_OFF = 300;
const RACE_TIMEOUT_MS = 120_000;

interface Answer {
  status: number;
  body: JsonObject;
  etag: string | null;
}

interface SessionEntry {
  client_id: string;
  status: string;
  result: string;
  time_started: number | string;
  time_ended: number | string;
}

interface SessionDoc extends JsonObject {
  session_id: string;
  session_tag: number;
  status: string;
  result: string;
  time_start: number;
  time_end: number;
  jobs: Record<string, SessionEntry & JsonObject>;
}

interface JobDoc extends JsonObject {
  job_id: string;
  session_id: string;
  session_tag: number;
  job_schedule: JsonObject;
}

const SUCCESS = { status: 202, body: { result: 'success', session_tag: 1 } };
const NOT_A_MEMBER = { status: 400, body: { title: 'Bad request format', description: 'job_id not found in session' } };

describe('session start/end and membership races through two service processes on one database', () => {
  const identity = newIdentity();
  const project = identity.projectId;
  const services: Array<{ service: ServiceProcess; url: string }> = [];
  let requests = 0;
  const serverErrors: string[] = [];

  beforeAll(async () => {
    if (isEmbeddedDatabase()) {
      throw new Error(
        'session-races needs a real PostgreSQL server shared by two service processes; it refuses to run on the ' +
          'embedded PGlite database, which serialises every connection (the result would prove nothing). ' +
          'Set DATABASE_URL to a PostgreSQL database (CI always does).',
      );
    }
    const started = await Promise.allSettled([0, 1].map(() => startApiService({ DB_POOL_SIZE: '10' })));
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }, 2 * BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    // a 5xx is logged by the service with its request id and cause: show it with the failure
    if (serverErrors.length > 0) {
      for (const { service } of services) {
        const logged = service.output().split('\n').filter((line) => /ERROR|error|Error/.test(line));
        console.log(`service ${service.pid} logged:\n${logged.join('\n')}`);
      }
    }
    await Promise.all(services.map(({ service }) => service.stop(5_000)));
  });

  // Request number n goes to process n mod 2 (the caller passes n), so every batch is spread evenly.
  async function call(target: number, method: string, path: string, body?: unknown): Promise<Answer> {
    requests++;
    const res = await fetch(`${services[target % 2].url}/v2/${project}${path}`, {
      method,
      headers: { ...identityHeaders(identity), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 500) serverErrors.push(`${method} ${path} -> ${res.status} ${text}`);
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as JsonObject), etag: res.headers.get('etag') };
  }

  const answersOf = (answers: Answer[]) => answers.map(({ status, body }) => ({ status, body }));
  const repeat = <T>(count: number, value: T): T[] => Array.from({ length: count }, () => value);

  async function createSession(description: string): Promise<string> {
    const created = await call(0, 'POST', '/sessions', { description, hold_off: HOLD_OFF, schedule: { schedule_interval: '1 days' } });
    expect(created.status).toBe(201);
    return created.body.session_id as string;
  }

  // Jobs whose schedule says "scheduled", so that a fresh member entry is never "completed".
  async function createJobs(count: number, label: string): Promise<string[]> {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        call(i, 'POST', '/jobs', buildJobDoc({
          client_id: `${project}_${label}-${i}.example.com`,
          description: `${label} ${i}`,
          job_schedule: { schedule_interval: '1 days', event: 'stop', status: 'scheduled', result: '' },
        })),
      ),
    );
    expect(answers.map(({ status }) => status)).toEqual(repeat(count, 201));
    return answers.map(({ body }) => body.job_id as string);
  }

  // Concurrent PUTs of every job into the session: itself a race on the session's `jobs` map.
  async function addJobs(sessionId: string, jobIds: string[]): Promise<void> {
    const answers = await Promise.all(jobIds.map((jobId, i) => call(i, 'PUT', `/sessions/${sessionId}/jobs/${jobId}`)));
    expect(answersOf(answers)).toEqual(repeat(jobIds.length, { status: 204, body: {} }));
  }

  async function getSession(sessionId: string, target = 1): Promise<{ doc: SessionDoc; version: number }> {
    const answer = await call(target, 'GET', `/sessions/${sessionId}`);
    expect(answer.status).toBe(200);
    return { doc: answer.body as SessionDoc, version: Number(/^"(\d+)"$/.exec(answer.etag ?? '')?.[1]) };
  }

  async function getJob(jobId: string, target = 0): Promise<JobDoc> {
    const answer = await call(target, 'GET', `/jobs/${jobId}`);
    expect(answer.status).toBe(200);
    return answer.body as JobDoc;
  }

  const start = (sessionId: string, jobId: string, n: number) =>
    call(n, 'POST', `/sessions/${sessionId}/action`, { start: { job_id: jobId, current_tag: 0 } });
  const end = (sessionId: string, jobId: string, n: number, result: string) =>
    call(n, 'POST', `/sessions/${sessionId}/action`, { end: { job_id: jobId, current_tag: 1, result } });

  // Member entries that are not in the state their 202 answer promised.
  function wrongEntries(doc: SessionDoc, expected: Record<string, { status: string; result: string }>): string[] {
    return Object.entries(expected)
      .filter(([jobId, want]) => doc.jobs[jobId]?.status !== want.status || doc.jobs[jobId]?.result !== want.result)
      .map(([jobId]) => jobId);
  }

  function report(name: string, figures: Record<string, number | string>): void {
    console.log(`session-races ${name}: ${Object.entries(figures).map(([key, value]) => `${key}=${value}`).join(', ')}`);
  }

  it(`${MEMBERS} concurrent starts start one run; ${MEMBERS} concurrent ends complete it (one member failed: fail)`, async () => {
    const jobIds = await createJobs(MEMBERS, 'race');
    const sessionId = await createSession('fifty members');
    await addJobs(sessionId, jobIds);
    const before = await getSession(sessionId);
    // every concurrent PUT landed: 50 entries, one version each
    expect(Object.keys(before.doc.jobs).sort()).toEqual([...jobIds].sort());
    expect(before.version).toBe(1 + MEMBERS);
    expect({ tag: before.doc.session_tag, status: before.doc.status, time_start: before.doc.time_start }).toEqual({ tag: 0, status: 'active', time_start: -1 });
    const requestsBefore = requests;
    const clock = performance.now();

    // 50 starts, same current_tag 0, alternating between the two processes
    const starts = await Promise.all(jobIds.map((jobId, i) => start(sessionId, jobId, i)));
    const startMs = Math.round(performance.now() - clock);
    expect(answersOf(starts)).toEqual(repeat(MEMBERS, SUCCESS));
    const running = await getSession(sessionId, 0);
    const runningWrong = wrongEntries(running.doc, Object.fromEntries(jobIds.map((id) => [id, { status: 'running', result: '' }])));
    expect(runningWrong).toEqual([]);
    expect(running.version - before.version).toBe(MEMBERS);
    expect({ tag: running.doc.session_tag, status: running.doc.status, result: running.doc.result }).toEqual({ tag: 1, status: 'running', result: '' });
    // the run's start time and every member's are epoch seconds of the database clock
    expect(Number.isInteger(running.doc.time_start)).toBe(true);
    expect(jobIds.filter((jobId) => !Number.isInteger(running.doc.jobs[jobId].time_started))).toEqual([]);

    // 50 ends: member 17 failed, the others succeeded
    const failing = jobIds[17];
    const endClock = performance.now();
    const ends = await Promise.all(jobIds.map((jobId, i) => end(sessionId, jobId, i + 1, jobId === failing ? 'fail' : 'success')));
    const endMs = Math.round(performance.now() - endClock);
    expect(answersOf(ends)).toEqual(repeat(MEMBERS, SUCCESS));
    const done = await getSession(sessionId);
    const expectedEnds = Object.fromEntries(jobIds.map((id) => [id, { status: 'completed', result: id === failing ? 'fail' : 'success' }]));
    const doneWrong = wrongEntries(done.doc, expectedEnds);
    expect(doneWrong).toEqual([]);
    expect(done.version - running.version).toBe(MEMBERS);
    expect({ tag: done.doc.session_tag, status: done.doc.status, result: done.doc.result }).toEqual({ tag: 1, status: 'completed', result: 'fail' });
    expect(done.doc.time_end).toBeGreaterThanOrEqual(done.doc.time_start);
    expect(jobIds.filter((jobId) => !Number.isInteger(done.doc.jobs[jobId].time_ended))).toEqual([]);
    // start/end never touch the job documents (the scheduler writes its own tag back)
    const jobs = await Promise.all(jobIds.map((jobId, i) => getJob(jobId, i)));
    expect(jobs.map(({ session_id, session_tag }) => ({ session_id, session_tag }))).toEqual(repeat(MEMBERS, { session_id: sessionId, session_tag: 0 }));
    expect(serverErrors).toEqual([]);

    report('start/end', {
      requests: requests - requestsBefore,
      processes: 2,
      starts: MEMBERS,
      ends: MEMBERS,
      newRuns: done.doc.session_tag - before.doc.session_tag,
      lostUpdates: runningWrong.length + doneWrong.length + (2 * MEMBERS - (done.version - before.version)),
      http5xx: serverErrors.length,
      startsMs: startMs,
      endsMs: endMs,
      elapsedMs: Math.round(performance.now() - clock),
    });
  }, RACE_TIMEOUT_MS);

  it('ends racing starts: half the members end while the other half start; every answer 202, nothing lost', async () => {
    const count = 40;
    const jobIds = await createJobs(count, 'mixed');
    const sessionId = await createSession('ends racing starts');
    await addJobs(sessionId, jobIds);
    const before = await getSession(sessionId);
    const early = jobIds.slice(0, count / 2);
    const late = jobIds.slice(count / 2);
    const requestsBefore = requests;
    const clock = performance.now();

    // the early half starts the run (the tag bump itself raced)
    expect(answersOf(await Promise.all(early.map((jobId, i) => start(sessionId, jobId, i))))).toEqual(repeat(early.length, SUCCESS));
    // then, in one batch, the early half ends while the late half starts
    const mixed = await Promise.all([
      ...early.map((jobId, i) => end(sessionId, jobId, 2 * i, 'success')),
      ...late.map((jobId, i) => start(sessionId, jobId, 2 * i + 1)),
    ]);
    expect(answersOf(mixed)).toEqual(repeat(count, SUCCESS));
    const middle = await getSession(sessionId);
    const middleWrong = wrongEntries(middle.doc, {
      ...Object.fromEntries(early.map((id) => [id, { status: 'completed', result: 'success' }])),
      ...Object.fromEntries(late.map((id) => [id, { status: 'running', result: '' }])),
    });
    expect(middleWrong).toEqual([]);
    // not complete while members still run (D12)
    expect({ tag: middle.doc.session_tag, status: middle.doc.status, result: middle.doc.result, time_end: middle.doc.time_end }).toEqual({
      tag: 1,
      status: 'running',
      result: '',
      time_end: -1,
    });
    expect(middle.version - before.version).toBe(early.length + count);

    // the late half ends: all succeeded
    expect(answersOf(await Promise.all(late.map((jobId, i) => end(sessionId, jobId, i, 'success'))))).toEqual(repeat(late.length, SUCCESS));
    const done = await getSession(sessionId);
    const doneWrong = wrongEntries(done.doc, Object.fromEntries(jobIds.map((id) => [id, { status: 'completed', result: 'success' }])));
    expect(doneWrong).toEqual([]);
    expect({ tag: done.doc.session_tag, status: done.doc.status, result: done.doc.result }).toEqual({ tag: 1, status: 'completed', result: 'success' });
    expect(done.version - before.version).toBe(2 * count);
    expect(serverErrors).toEqual([]);

    report('end-vs-start', {
      requests: requests - requestsBefore,
      newRuns: done.doc.session_tag - before.doc.session_tag,
      lostUpdates: middleWrong.length + doneWrong.length + (2 * count - (done.version - before.version)),
      http5xx: serverErrors.length,
      elapsedMs: Math.round(performance.now() - clock),
    });
  }, RACE_TIMEOUT_MS);

  it('add, move and remove racing starts: no 5xx, and membership agrees on both sides', async () => {
    // session A: stay (started only), leave (removed while they start); session B: cross (moved
    // into A while A starts and B starts them), back (moved from A into B); fresh jobs join A.
    const [stay, leave, cross, back, fresh] = await Promise.all([
      createJobs(20, 'stay'),
      createJobs(8, 'leave'),
      createJobs(8, 'cross'),
      createJobs(8, 'back'),
      createJobs(8, 'fresh'),
    ]);
    const sessionA = await createSession('membership race A');
    const sessionB = await createSession('membership race B');
    await addJobs(sessionA, [...stay, ...leave, ...back]);
    await addJobs(sessionB, cross);
    const requestsBefore = requests;
    const clock = performance.now();

    let n = 0;
    const starts = (sessionId: string, ids: string[]) => ids.map((jobId) => start(sessionId, jobId, n++));
    const batch = {
      stayStarts: Promise.all(starts(sessionA, stay)),
      leaveStarts: Promise.all(starts(sessionA, leave)),
      crossStartsA: Promise.all(starts(sessionA, cross)),
      crossStartsB: Promise.all(starts(sessionB, cross)),
      backStartsB: Promise.all(starts(sessionB, back)),
      freshStarts: Promise.all(starts(sessionA, fresh)),
      removes: Promise.all(leave.map((jobId) => call(n++, 'DELETE', `/sessions/${sessionA}/jobs/${jobId}`))),
      moves: Promise.all([
        ...cross.map((jobId) => call(n++, 'PUT', `/sessions/${sessionA}/jobs/${jobId}`)),
        ...back.map((jobId) => call(n++, 'PUT', `/sessions/${sessionB}/jobs/${jobId}`)),
      ]),
      adds: Promise.all(fresh.map((jobId) => call(n++, 'PUT', `/sessions/${sessionA}/jobs/${jobId}`))),
    };
    const answers = Object.fromEntries(await Promise.all(Object.entries(batch).map(async ([key, promise]) => [key, await promise] as const)));
    const elapsedMs = Math.round(performance.now() - clock);

    expect(serverErrors).toEqual([]);
    expect(answersOf(answers.stayStarts)).toEqual(repeat(stay.length, SUCCESS));
    expect(answersOf(answers.removes)).toEqual(repeat(leave.length, { status: 204, body: {} }));
    expect(answersOf(answers.moves)).toEqual(repeat(cross.length + back.length, { status: 204, body: {} }));
    expect(answersOf(answers.adds)).toEqual(repeat(fresh.length, { status: 204, body: {} }));
    // a start racing its job's arrival or departure either lands (the job was a member then) or is
    // told the job is not a member; never anything else
    const racing = [...answers.leaveStarts, ...answers.crossStartsA, ...answers.crossStartsB, ...answers.backStartsB, ...answers.freshStarts];
    for (const answer of answersOf(racing)) expect([SUCCESS, NOT_A_MEMBER]).toContainEqual(answer);

    const [a, b] = [await getSession(sessionA), await getSession(sessionB)];
    expect(Object.keys(a.doc.jobs).sort()).toEqual([...stay, ...cross, ...fresh].sort());
    expect(Object.keys(b.doc.jobs).sort()).toEqual([...back].sort());
    // A ran; B ran if one of its starts found its job a member
    expect(a.doc.session_tag).toBe(1);
    const bStarted = [...answers.crossStartsB, ...answers.backStartsB].some(({ status }) => status === 202);
    expect(b.doc.session_tag).toBe(bStarted ? 1 : 0);
    const lost = wrongEntries(a.doc, Object.fromEntries(stay.map((id) => [id, { status: 'running', result: '' }])));
    expect(lost).toEqual([]);

    // both directions: a job names the session iff the session lists it
    const all = [...stay, ...leave, ...cross, ...back, ...fresh];
    const jobs = await Promise.all(all.map((jobId, i) => getJob(jobId, i)));
    const mismatches: string[] = [];
    for (const job of jobs) {
      const listedIn = [a.doc, b.doc].filter((session) => job.job_id in session.jobs).map((session) => session.session_id);
      const named = job.session_id === '' ? [] : [job.session_id];
      if (JSON.stringify(listedIn) !== JSON.stringify(named)) mismatches.push(`${job.job_id}: listed in ${listedIn} but names ${job.session_id}`);
    }
    expect(mismatches).toEqual([]);
    const byId = new Map(jobs.map((job) => [job.job_id, job]));
    for (const jobId of leave) {
      const job = byId.get(jobId)!;
      expect({ session_id: job.session_id, session_tag: job.session_tag, event: job.job_schedule.event }).toEqual({ session_id: '', session_tag: 0, event: 'stop' });
    }
    // a joining job takes the session's tag at that moment: 0 before A's run started, 1 after
    for (const jobId of [...cross, ...fresh]) expect([0, 1]).toContain(byId.get(jobId)!.session_tag);
    for (const jobId of stay) expect(byId.get(jobId)!.session_tag).toBe(0);
    for (const jobId of back) expect([0, 1]).toContain(byId.get(jobId)!.session_tag);

    const racingLanded = racing.filter(({ status }) => status === 202).length;
    report('membership-vs-start', {
      requests: requests - requestsBefore,
      racingStarts: racing.length,
      racingStartsLanded: racingLanded,
      racingStartsNotAMember: racing.length - racingLanded,
      newRunsA: a.doc.session_tag,
      newRunsB: b.doc.session_tag,
      lostUpdates: lost.length + mismatches.length,
      http5xx: serverErrors.length,
      elapsedMs,
    });
  }, RACE_TIMEOUT_MS);

  it('job deletes racing moves of the same jobs: no session lists a deleted job', async () => {
    const count = 20;
    const jobIds = await createJobs(count, 'doomed');
    const sessionA = await createSession('delete race A');
    const sessionB = await createSession('delete race B');
    await addJobs(sessionA, jobIds);
    const requestsBefore = requests;
    const clock = performance.now();

    // each job is moved A -> B and deleted at once, through different processes
    const answers = await Promise.all(
      jobIds.flatMap((jobId, i) => [call(i, 'PUT', `/sessions/${sessionB}/jobs/${jobId}`), call(i + 1, 'DELETE', `/jobs/${jobId}`)]),
    );
    const elapsedMs = Math.round(performance.now() - clock);
    expect(serverErrors).toEqual([]);
    const moves = answers.filter((_, k) => k % 2 === 0);
    const deletes = answers.filter((_, k) => k % 2 === 1);
    expect(answersOf(deletes)).toEqual(repeat(count, { status: 204, body: {} }));
    // a move lands before the delete (204) or finds the job gone (404)
    const jobGone = (jobId: string) => ({ status: 404, body: { title: 'Not Found', description: `No job found with ID ${jobId}` } });
    moves.forEach((answer, i) => expect([{ status: 204, body: {} }, jobGone(jobIds[i])]).toContainEqual(answersOf([answer])[0]));
    const [a, b] = [await getSession(sessionA), await getSession(sessionB)];
    expect({ a: Object.keys(a.doc.jobs), b: Object.keys(b.doc.jobs) }).toEqual({ a: [], b: [] });
    const gone = await Promise.all(jobIds.map((jobId, i) => call(i, 'GET', `/jobs/${jobId}`)));
    expect(gone.map(({ status }) => status)).toEqual(repeat(count, 404));

    report('delete-vs-move', {
      requests: requests - requestsBefore,
      movesLanded: moves.filter(({ status }) => status === 204).length,
      movesTooLate: moves.filter(({ status }) => status === 404).length,
      staleEntries: Object.keys(a.doc.jobs).length + Object.keys(b.doc.jobs).length,
      http5xx: serverErrors.length,
      elapsedMs,
    });
  }, RACE_TIMEOUT_MS);
});
