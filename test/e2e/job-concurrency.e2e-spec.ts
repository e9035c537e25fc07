// SPDX-License-Identifier: Apache-2.0
// No lost update on a job (spec D6, D7, §8.7, §8.10, §9.3): two service processes (`node
// dist/src/main.js`, each on its own port) share one PostgreSQL database; 50 PATCHes and a chain
// of events hit the same job at once, spread over both processes.
//
// Design. A job's schema is closed (top level and job_schedule allow no extra keys) and its only
// array (job_actions) is replaced whole, so there are not 50 independent keys to give each PATCH
// its own. There are 18 independent slots that a PATCH can set without touching what events
// change: the 16 job_schedule keys other than event/status/result, plus description and
// client_id (session keys left alone, D13). PATCH i sets slot i mod 18 to a value no other write
// uses, so every PATCH changes the document. Each PATCH answers the version it produced (D6); a
// service that applies writes atomically (D7: one row lock across read-merge-write, in every
// process) makes the final document exactly the result of applying every PATCH, in the order of
// those versions, to the created document. That is checked whole: each slot holds the value of
// its highest-version writer, and nothing else moved. A read-merge-write that raced another one
// would put back an older value of some slot, or lose a key, and the document would differ.
//
// The events run as one chain, concurrently with the PATCHes and alternating between the two
// processes: start, stop, abort, start, ... Each differs from the one before, so each changes the
// job (202 "success", never "already requested"), and they touch only event/status/result, which
// no PATCH sets. The version must go up by exactly 50 + the number of events, and the PATCH
// versions plus the event writes must be exactly 2..(1 + all writes).
//
// PGlite (the embedded database a local run may use) serialises every connection and the suite
// runs a single process on it, so this test refuses to run there rather than pass trivially.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JsonObject, JsonValue } from '../../src/common/json/json.types.js';
import { mergeDocument } from '../../src/common/json/merge-document.js';
import { BOOT_TIMEOUT_MS, startApiService } from '../utils/freezer-cli.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import type { ServiceProcess } from '../utils/service-process.js';
import { isEmbeddedDatabase } from '../utils/test-database.js';

const PATCHES = 50;
const EVENTS = ['start', 'stop', 'abort'] as const;
const EVENT_COUNT = 12;

interface Answer {
  status: number;
  body: JsonObject;
  etag: string | null;
}

const pad = (i: number) => String(i).padStart(2, '0');

// The independent slots and, for write i, the value it sets (unique per write, valid per §8.2).
const SCHEDULE_SLOTS: Array<[string, (i: number) => JsonValue]> = [
  ['time_created', (i) => 1_700_000_000 + i],
  ['time_started', (i) => 1_800_000_000 + i],
  ['time_ended', (i) => 1_900_000_000 + i],
  ['current_pid', (i) => 10_000 + i],
  ['schedule_date', (i) => `2031-01-01T00:00:${pad(i)}`],
  ['schedule_start_date', (i) => `2031-02-01T00:00:${pad(i)}`],
  ['schedule_end_date', (i) => `2031-03-01T00:00:${pad(i)}`],
  ['schedule_interval', (i) => `${i + 1} minutes`],
  ['schedule_year', (i) => String(2030 + i)],
  ['schedule_month', (i) => `month-${i}`],
  ['schedule_day', (i) => `day-${i}`],
  ['schedule_week', (i) => `week-${i}`],
  ['schedule_day_of_week', (i) => `dow-${i}`],
  ['schedule_hour', (i) => `hour-${i}`],
  ['schedule_minute', (i) => `minute-${i}`],
  ['schedule_second', (i) => `second-${i}`],
];

describe('concurrent writes to one job through two service processes on one database', () => {
  const identity = newIdentity();
  const project = identity.projectId;
  const services: Array<{ service: ServiceProcess; url: string }> = [];

  // The 18 slots: the schedule keys, then description and client_id.
  function patchBody(i: number): JsonObject {
    const slot = i % (SCHEDULE_SLOTS.length + 2);
    if (slot < SCHEDULE_SLOTS.length) {
      const [key, value] = SCHEDULE_SLOTS[slot];
      return { job_schedule: { [key]: value(i) } };
    }
    return slot === SCHEDULE_SLOTS.length ? { description: `written by PATCH ${i}` } : { client_id: `${project}_node-${i}.example.com` };
  }

  beforeAll(async () => {
    if (isEmbeddedDatabase()) {
      throw new Error(
        'job-concurrency needs a real PostgreSQL server shared by two service processes; it refuses to run on the ' +
          'embedded PGlite database, which serialises every connection (the result would prove nothing). ' +
          'Set DATABASE_URL to a PostgreSQL database (CI always does).',
      );
    }
    for (let n = 0; n < 2; n++) services.push(await startApiService({ DB_POOL_SIZE: '10' }));
  }, 2 * BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await Promise.all(services.map(({ service }) => service.stop(5_000)));
  });

  async function call(target: number, method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${services[target].url}/v2/${project}${path}`, {
      method,
      headers: { ...identityHeaders(identity), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as JsonObject), etag: res.headers.get('etag') };
  }

  it(`${PATCHES} concurrent PATCHes and ${EVENT_COUNT} events: every write lands, one version each`, async () => {
    const created = await call(0, 'POST', '/jobs', {
      client_id: `${project}_node-initial.example.com`,
      description: 'initial',
      job_schedule: { event: 'stop', status: 'scheduled', result: 'fail', schedule_interval: '1 days' },
      job_actions: [{ freezer_action: { action: 'exec', command: 'true' } }],
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job_id as string;
    const initial = await call(1, 'GET', `/jobs/${jobId}`);
    expect({ status: initial.status, etag: initial.etag }).toEqual({ status: 200, etag: '"1"' });

    const started = performance.now();
    const patches = Array.from({ length: PATCHES }, (_, i) => call(i % 2, 'PATCH', `/jobs/${jobId}`, patchBody(i)));
    const eventChain = (async () => {
      const answers: Answer[] = [];
      for (let k = 0; k < EVENT_COUNT; k++) answers.push(await call(k % 2, 'POST', `/jobs/${jobId}/event`, { [EVENTS[k % 3]]: null }));
      return answers;
    })();
    const [patchAnswers, eventAnswers] = await Promise.all([Promise.all(patches), eventChain]);
    const elapsedMs = Math.round(performance.now() - started);

    // every answer a success: 200 {job_id, version} and 202 {"result": "success"}
    expect(patchAnswers.map(({ status, body }) => ({ status, jobId: body.job_id, version: typeof body.version }))).toEqual(
      Array.from({ length: PATCHES }, () => ({ status: 200, jobId, version: 'number' })),
    );
    expect(eventAnswers.map(({ status, body }) => ({ status, body }))).toEqual(
      Array.from({ length: EVENT_COUNT }, () => ({ status: 202, body: { result: 'success' } })),
    );

    // one version per write: the PATCHes' versions are distinct, and with the events' they fill 2..1+writes
    const writes = PATCHES + EVENT_COUNT;
    const patchVersions = patchAnswers.map(({ body }) => body.version as number);
    expect(new Set(patchVersions).size).toBe(PATCHES);
    expect(patchVersions.every((v) => Number.isInteger(v) && v >= 2 && v <= 1 + writes)).toBe(true);
    const final = await call(1, 'GET', `/jobs/${jobId}`);
    expect({ status: final.status, etag: final.etag }).toEqual({ status: 200, etag: `"${1 + writes}"` });

    // the final document is every PATCH applied in version order, plus the event chain's outcome
    const order = patchAnswers.map((answer, i) => ({ i, version: answer.body.version as number })).sort((a, b) => a.version - b.version);
    let expected = initial.body;
    for (const { i } of order) expected = mergeDocument(expected, patchBody(i));
    const lastEvent = EVENTS[(EVENT_COUNT - 1) % 3];
    // start (sent at least once) resets status and result; stop and abort only set the event
    expected = mergeDocument(expected, { job_schedule: { event: lastEvent, status: '', result: '' } });
    expect(final.body).toEqual(expected);

    // spelled out: each slot holds its highest-version writer's value
    const slots = SCHEDULE_SLOTS.length + 2;
    for (let slot = 0; slot < slots; slot++) {
      const last = order.filter(({ i }) => i % slots === slot).at(-1)!;
      expect(mergeDocument(final.body, patchBody(last.i))).toEqual(final.body);
    }

    console.log(
      `job-concurrency: ${PATCHES} PATCHes + ${EVENT_COUNT} events over 2 processes (${PATCHES / 2}+${PATCHES / 2} PATCHes, ` +
        `${EVENT_COUNT / 2}+${EVENT_COUNT / 2} events) in ${elapsedMs} ms; version 1 -> ${1 + writes}`,
    );
  }, 60_000);
});
