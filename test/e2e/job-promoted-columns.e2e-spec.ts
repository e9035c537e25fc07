// SPDX-License-Identifier: Apache-2.0
// A job's optimistic write (the scheduler's write-back, a PATCH without actions) hands in the
// columns the jobs trigger would fill (client_id, status, event) and the trigger stands aside for
// it: what it stores must be what the trigger computes for the same document, searches must find
// the job by them, and nothing else may skip the trigger because a write-back did.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { Owner } from '../../src/common/auth/request-context.js';
import type { JsonObject, JsonValue } from '../../src/common/json/json.types.js';
import { DocumentUpdatesAt } from '../../src/common/ownership/document-updates.js';
import { JOB_PROMOTED_COLUMNS, jobPromotedColumns } from '../../src/modules/jobs/job-promoted-columns.js';
import { buildJobAction, buildJobDoc } from '../factories/job.factory.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { listeningAppAndClient, storedAndRecomputed } from '../utils/promoted-columns.js';

const PROMOTED = 'client_id::text, status::text, event::text';

// Keys the columns look for, at any depth, among others (some not ASCII).
const key = fc.oneof(fc.constantFrom('client_id', 'status', 'event', 'job_schedule', 'a', 'é', '😀'), fc.string({ maxLength: 5 }));
const scalar = fc.oneof(
  fc.string({ maxLength: 10 }).filter((s) => !s.includes('\u0000') && s.isWellFormed()),
  fc.constantFrom('running', 'scheduled', 'ünï ☃', ''),
  fc.integer(),
  fc.integer().map((n) => n / 64),
  fc.constantFrom(1e21, 1e-7),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
}));

describe('job write-backs: the promoted columns', () => {
  const suite = listeningAppAndClient();

  async function createJob(identity: Identity, body: object): Promise<string> {
    const res = await request(suite.server).post(`/v2/${identity.projectId}/jobs`).set(identityHeaders(identity)).send(body);
    expect(res.status).toBe(201);
    return res.body.job_id as string;
  }

  async function writeBack(identity: Identity, jobId: string, body: object): Promise<void> {
    const res = await request(suite.server).patch(`/v2/${identity.projectId}/jobs/${jobId}`).set(identityHeaders(identity)).send(body);
    expect(res.status).toBe(200);
  }

  const writeBacks: Array<[string, object, object]> = [
    ['a run begins', buildJobDoc(), { job_schedule: { status: 'running', event: '', result: '', time_started: 1796480000, current_pid: 4242 } }],
    ['a run ends', buildJobDoc(), { job_schedule: { status: 'scheduled', event: '', result: 'success', time_ended: 1796480100 } }],
    [
      'status and event found deeper, in two actions, text outside ASCII',
      buildJobDoc({
        job_schedule: { schedule_interval: '1 days' },
        job_actions: [buildJobAction({ status: 'ünï ☃', event: ['x', { deep: 1 }] }), buildJobAction({ status: '😀' })],
      }),
      { job_schedule: { schedule_interval: '1 days', current_pid: 77 } },
    ],
    [
      'numbers JavaScript prints with an exponent',
      buildJobDoc({ job_schedule: { schedule_interval: '1 days' }, job_actions: [buildJobAction({ status: 1e21, event: 1e-7 })] }),
      { job_schedule: { schedule_interval: '1 days', current_pid: 78 } },
    ],
  ];

  it.each(writeBacks)('%s: stored as the trigger computes it', async (_label, job, patch) => {
    const identity = newIdentity();
    const id = await createJob(identity, job);
    await writeBack(identity, id, patch);
    const { stored, recomputed } = await storedAndRecomputed(suite.db, 'jobs', PROMOTED, identity.userId, id);
    expect(stored).toEqual(recomputed);
    expect(stored).not.toEqual({ client_id: '[]', status: '[]', event: '[]' });
  });

  it('the computed columns equal the SQL function on generated documents', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 6 }), async (doc) => {
        const mine = jobPromotedColumns(doc as JsonObject);
        const { rows } = await suite.db.query(
          `SELECT ${JOB_PROMOTED_COLUMNS.map((_, i) => `freezer_key_values($1::jsonb, $${i + 2})::text AS c${i}, $${i + 2 + JOB_PROMOTED_COLUMNS.length}::jsonb::text AS m${i}`).join(', ')}`,
          [JSON.stringify(doc), ...JOB_PROMOTED_COLUMNS, ...mine],
        );
        const row = rows[0] as Record<string, string>;
        JOB_PROMOTED_COLUMNS.forEach((_, i) => expect(row[`m${i}`]).toBe(row[`c${i}`]));
        compared++;
      }),
      { numRuns: 300 },
    );
    expect(compared).toBe(300);
  }, 120_000);

  it('a write-back is found at once by the searches on its new status, and no longer by the old one', async () => {
    const identity = newIdentity();
    const id = await createJob(identity, buildJobDoc({ job_schedule: { status: 'scheduled', event: '' } }));
    await writeBack(identity, id, { job_schedule: { status: 'running', event: '' } });
    const search = (status: string) =>
      request(suite.server).get(`/v2/${identity.projectId}/jobs`).set(identityHeaders(identity)).send({ match: [{ status }] });
    expect((await search('running')).body.jobs.map((job: { job_id: string }) => job.job_id)).toEqual([id]);
    expect((await search('scheduled')).body.jobs).toEqual([]);
  });

  const sentinel = { columns: JOB_PROMOTED_COLUMNS, compute: (doc: JsonObject) => [`["sentinel-${String(doc.description)}"]`, '[]', '[]'] };
  const ownerOf = (identity: Identity): Owner => ({
    api: 'v2',
    ownerId: identity.userId,
    projectFilter: identity.projectId,
    projectId: identity.projectId,
    userId: identity.userId,
    userName: null,
  });
  const docOf = async (identity: Identity, jobId: string): Promise<JsonObject> =>
    ((await suite.db.query(`SELECT doc FROM job_documents WHERE owner_id = $1 AND id = $2`, [identity.userId, jobId])).rows[0] as { doc: JsonObject }).doc;

  it('the columns stored are the ones the writer hands in, each row its own, whether written together or alone', async () => {
    const identity = newIdentity();
    const ids = [await createJob(identity, buildJobDoc({ description: 'a' })), await createJob(identity, buildJobDoc({ description: 'b' }))];
    const docs = await Promise.all(ids.map((id) => docOf(identity, id)));
    const updates = new DocumentUpdatesAt(suite.app.get(DataSource), 'jobs', sentinel);
    // handed in during one turn: one statement for both
    expect(await Promise.all(ids.map((id, i) => updates.write(ownerOf(identity), id, docs[i]!, 1)))).toEqual([2, 2]);
    const together = await suite.db.query(`SELECT id, client_id, xmin::text AS tx FROM jobs WHERE owner_id = $1`, [identity.userId]);
    expect(new Set(together.rows.map((row) => row.tx)).size).toBe(1);
    expect(Object.fromEntries(together.rows.map((row) => [row.id, row.client_id]))).toEqual({ [ids[0]!]: ['sentinel-a'], [ids[1]!]: ['sentinel-b'] });
    // and one alone
    expect(await updates.write(ownerOf(identity), ids[0]!, { ...docs[0]!, description: 'c' }, 2)).toBe(3);
    const { rows } = await suite.db.query(`SELECT client_id FROM jobs WHERE owner_id = $1 AND id = $2`, [identity.userId, ids[0]]);
    expect(rows).toEqual([{ client_id: ['sentinel-c'] }]);
  });

  it('the statement turns the trigger back on for the rest of its transaction, written or not', async () => {
    const identity = newIdentity();
    const id = await createJob(identity, buildJobDoc({ client_id: 'before' }));
    const doc = await docOf(identity, id);
    const setting = `SELECT coalesce(current_setting('freezer.promoted_by_writer', true), '') AS value`;
    await suite.app.get(DataSource).transaction(async (em) => {
      const updates = new DocumentUpdatesAt(em, 'jobs', sentinel);
      // a version long gone: nothing written
      expect(await updates.write(ownerOf(identity), id, doc, 7)).toBeNull();
      expect(await em.query(setting)).toEqual([{ value: 'off' }]);
      expect(await updates.write(ownerOf(identity), id, doc, 1)).toBe(2);
      expect(await em.query(setting)).toEqual([{ value: 'off' }]);
      // a later write in the same transaction gets the trigger's columns
      await em.query(`UPDATE jobs SET doc = jsonb_set(doc, '{client_id}', '"after"') WHERE owner_id = $1 AND id = $2`, [identity.userId, id]);
      expect(await em.query(`SELECT client_id FROM jobs WHERE owner_id = $1 AND id = $2`, [identity.userId, id])).toEqual([{ client_id: ['after'] }]);
    });
  });

  it('write-backs followed by a replace: the replace gets the trigger\'s columns', async () => {
    const identity = newIdentity();
    const id = await createJob(identity, buildJobDoc({ client_id: 'before' }));
    for (let i = 0; i < 8; i++) await writeBack(identity, id, { job_schedule: { status: 'running', current_pid: i } });
    const job = (await request(suite.server).get(`/v2/${identity.projectId}/jobs/${id}`).set(identityHeaders(identity))).body as JsonObject;
    const put = await request(suite.server)
      .put(`/v2/${identity.projectId}/jobs/${id}`)
      .set(identityHeaders(identity))
      .send({ ...job, client_id: 'after' });
    expect(put.status).toBe(201);
    const { rows } = await suite.db.query(`SELECT ${PROMOTED} FROM jobs WHERE owner_id = $1 AND id = $2`, [identity.userId, id]);
    expect(rows[0]).toMatchObject({ client_id: '["after"]', status: '["running"]' });
  });
});
