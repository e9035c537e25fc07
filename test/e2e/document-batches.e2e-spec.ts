// SPDX-License-Identifier: Apache-2.0
// Reads of one document by key, and the optimistic writes of a PATCH, that arrive together share
// one statement (document-reads.ts, document-updates.ts): over the real HTTP stack, many GETs and
// PATCHes at once each get their own document, a missing one, another project's or another user's
// its 404; on PostgreSQL, keys asked for in one turn of the event loop take one statement (a lone
// key the single-key one), PATCHes arriving together one transaction, and none is lost.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { Owner } from '../../src/common/auth/request-context.js';
import { DocumentTextReads } from '../../src/common/ownership/document-reads.js';
import { createTestApp } from '../utils/create-test-app.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { rawExchange, rawRequest } from '../utils/raw-http.js';

type Server = ReturnType<NestExpressApplication['getHttpServer']>;

describe('reads and write-backs of one document that arrive together', () => {
  let app: NestExpressApplication;
  let server: Server;

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    server = app.getHttpServer();
  });
  afterAll(async () => {
    await app.close();
  });

  async function createJobs(identity: Identity, count: number, base = `/v2/${identity.projectId}`): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await request(server).post(`${base}/jobs`).set(identityHeaders(identity)).send({
        client_id: 'reads-node',
        description: `job ${i}`,
        job_schedule: { status: 'scheduled' },
        job_actions: [{ freezer_action: { action: 'backup', backup_name: 'etc', path_to_backup: '/etc', container: 'c1' } }],
      });
      expect(res.status).toBe(201);
      ids.push(res.body.job_id as string);
    }
    return ids;
  }

  it('answers each of many GETs at once with its own job, and 404 to a missing, foreign or other-project one, on v2 and v1', async () => {
    const alice = newIdentity();
    const bob = newIdentity();
    const aliceElsewhere = { ...alice, projectId: newIdentity().projectId };
    const mine = await createJobs(alice, 6);
    const [elsewhere] = await createJobs(aliceElsewhere, 1);
    const [bobs] = await createJobs(bob, 1);
    const asks = [
      ...mine.map((id) => ({ who: alice, base: `/v2/${alice.projectId}`, id, expect: 200 })),
      ...mine.map((id) => ({ who: alice, base: '/v1', id, expect: 200 })),
      { who: alice, base: '/v1', id: elsewhere!, expect: 200 }, // v1: every project of the caller
      { who: alice, base: `/v2/${alice.projectId}`, id: elsewhere!, expect: 404 },
      { who: alice, base: `/v2/${alice.projectId}`, id: bobs!, expect: 404 },
      { who: bob, base: `/v2/${bob.projectId}`, id: bobs!, expect: 200 },
      { who: alice, base: `/v2/${alice.projectId}`, id: 'no-such-job', expect: 404 },
      { who: alice, base: `/v2/${alice.projectId}`, id: mine[0]!, expect: 200 }, // the same key twice
    ];
    const answers = await Promise.all(asks.map((ask) => request(server).get(`${ask.base}/jobs/${ask.id}`).set(identityHeaders(ask.who))));
    answers.forEach((res, i) => {
      const ask = asks[i]!;
      expect({ id: ask.id, status: res.status }).toEqual({ id: ask.id, status: ask.expect });
      if (ask.expect === 200) expect(res.body.job_id).toBe(ask.id);
    });
  });

  it('merges each of many PATCHes at once into its own job', async () => {
    const alice = newIdentity();
    const ids = await createJobs(alice, 8);
    const base = `/v2/${alice.projectId}`;
    const patched = await Promise.all(
      ids.map((id, i) => request(server).patch(`${base}/jobs/${id}`).set(identityHeaders(alice)).send({ job_schedule: { status: 'running', current_pid: 1000 + i } })),
    );
    expect(patched.map((res) => res.status)).toEqual(ids.map(() => 200));
    for (const [i, id] of ids.entries()) {
      const res = await request(server).get(`${base}/jobs/${id}`).set(identityHeaders(alice));
      expect(res.body).toMatchObject({ job_id: id, description: `job ${i}`, job_schedule: { status: 'running', current_pid: 1000 + i } });
    }
  });

  it('looks up the keys of one turn of the event loop with one statement, and a lone key with the single-key one', async () => {
    const alice = newIdentity();
    const ids = await createJobs(alice, 5);
    const db = app.get(DataSource);
    const statements: string[] = [];
    const counting = {
      query: <T>(sql: string, params?: unknown[]): Promise<T> => {
        statements.push(sql);
        return db.query<T>(sql, params);
      },
    };
    const reads = new DocumentTextReads(counting, 'jobs');
    const owner: Owner = { api: 'v2', ownerId: alice.userId, projectFilter: alice.projectId, projectId: alice.projectId, userId: alice.userId, userName: null };
    const found = await Promise.all([...ids, 'missing'].map((id) => reads.read(owner, id)));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('unnest');
    expect(found.map((row) => (row === null ? null : (JSON.parse(row.text) as { job_id: string }).job_id))).toEqual([...ids, null]);
    expect(found.slice(0, 5).map((row) => row!.version)).toEqual([1, 1, 1, 1, 1]);

    const lone = await reads.read(owner, ids[0]!);
    expect(statements).toHaveLength(2);
    expect(statements[1]).not.toContain('unnest');
    expect((JSON.parse(lone!.text) as { job_id: string }).job_id).toBe(ids[0]);
  });
  // PATCHes sent back to back on one connection: the service reads them in one turn of its loop.
  async function pipelinedPatches(identity: Identity, patches: Array<{ id: string; body: object }>): Promise<Array<{ status: number; body: unknown }>> {
    const headers = Object.entries({ Host: '127.0.0.1', ...identityHeaders(identity), 'Content-Type': 'application/json' }) as Array<[string, string]>;
    const requests = patches.map(({ id, body }, i) =>
      rawRequest('PATCH', `/v2/${identity.projectId}/jobs/${id}`, [...headers, ['Connection', i === patches.length - 1 ? 'close' : 'keep-alive']], Buffer.from(JSON.stringify(body))),
    );
    const { answers } = await rawExchange((server.address() as { port: number }).port, [Buffer.concat(requests)], { waitMs: 15_000 });
    return answers.map((answer) => ({ status: answer.status, body: JSON.parse(answer.body) as unknown }));
  }

  it("writes the scheduler's write-backs of many jobs arriving together in a few shared transactions", async () => {
    const alice = newIdentity();
    const ids = await createJobs(alice, 20);
    const answers = await pipelinedPatches(alice, ids.map((id, i) => ({ id, body: { job_schedule: { status: 'running', current_pid: 2000 + i } } })));
    expect(answers.map(({ status }) => status)).toEqual(ids.map(() => 200));
    expect(answers.map(({ body }) => body)).toEqual(ids.map((id) => ({ job_id: id, version: 2 })));
    const db = app.get(DataSource);
    const [row] = await db.query<Array<{ transactions: number; pids: number[] }>>(
      `SELECT count(DISTINCT xmin::text)::int AS transactions, array_agg((freezer_job_doc(doc, run) #>> '{job_schedule,current_pid}')::int ORDER BY id) AS pids FROM jobs WHERE owner_id = $1`,
      [alice.userId],
    );
    expect(row!.transactions).toBeLessThanOrEqual(10);
    expect([...row!.pids].sort()).toEqual(ids.map((_, i) => 2000 + i));
  });

  it('loses none of many PATCHes of one job arriving together: each merges into the one before', async () => {
    const alice = newIdentity();
    const [id] = await createJobs(alice, 1);
    const parts = [{ current_pid: 7 }, { time_started: 111 }, { time_ended: 222 }, { result: 'success' }, { schedule_interval: '2 hours' }, { status: 'running' }];
    const answers = await pipelinedPatches(alice, parts.map((part) => ({ id: id!, body: { job_schedule: part } })));
    expect(answers.map(({ status }) => status)).toEqual(parts.map(() => 200));
    const res = await request(server).get(`/v2/${alice.projectId}/jobs/${id}`).set(identityHeaders(alice));
    expect(res.body.job_schedule).toMatchObject(Object.assign({}, ...parts));
    expect(res.headers.etag).toBe(`"${1 + parts.length}"`);
  });

  it('a write-back the database refuses fails alone; the others arriving with it are written', async () => {
    const alice = newIdentity();
    const ids = await createJobs(alice, 12);
    const db = app.get(DataSource);
    // a rule of the table that only this write breaks
    await db.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_test_poison CHECK (freezer_job_doc(doc, run) #>> '{job_schedule,current_pid}' IS DISTINCT FROM '66666') NOT VALID`);
    try {
      const answers = await pipelinedPatches(alice, ids.map((id, i) => ({ id, body: { job_schedule: { current_pid: i === 5 ? 66666 : 3000 + i } } })));
      expect(answers.map(({ status }) => status >= 400)).toEqual(ids.map((_, i) => i === 5));
      expect(JSON.stringify(answers[5]!.body)).not.toMatch(/jobs_test_poison|UPDATE|constraint/i);
      const rows = await db.query<Array<{ id: string; pid: string }>>(`SELECT id, doc #>> '{job_schedule,current_pid}' AS pid FROM job_documents WHERE owner_id = $1`, [alice.userId]);
      const pids = new Map(rows.map((row) => [row.id, row.pid]));
      expect(ids.map((id) => pids.get(id))).toEqual(ids.map((_, i) => (i === 5 ? null : String(3000 + i))));
    } finally {
      await db.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_test_poison`);
    }
  });
});
