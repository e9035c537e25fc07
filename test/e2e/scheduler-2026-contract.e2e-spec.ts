// SPDX-License-Identifier: Apache-2.0
// The contract of the 2026 freezer-scheduler (freezer master: scheduler/utils.py do_register and
// get_active_jobs_from_api, freezer_scheduler.py update_job_metadata, scheduler_job.py), replayed
// request by request over HTTP: freezer 2026 cannot be installed here, so this is the request
// sequence of one job's life as that scheduler sends it, through python-freezerclient master's
// URLs (`<endpoint>/v2/<project>/<resource>/`). What changed since freezer 13, whose real
// scheduler runs in freezer-scheduler.e2e-spec.ts:
//  - registration carries the node's capabilities and is_central, and is repeated at every start;
//  - every poll sends all_projects=False (Python's str(False)) and pages with offset;
//  - every write-back, the pid included, is a PATCH of job_schedule, session_id and session_tag
//    only, never of the whole document, so the job's actions are never sent back.
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildJobAction } from '../factories/job.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';

type Json = Record<string, unknown>;

// fz: scheduler/arguments.py [capabilities] defaults, equal to the API's full lists
const CAPABILITIES = {
  supported_actions: ['backup', 'restore', 'info', 'admin', 'exec'],
  supported_modes: ['fs', 'mongo', 'mysql', 'sqlserver', 'cinder', 'glance', 'cindernative', 'nova'],
  supported_storages: ['local', 'swift', 'ssh', 's3', 'ftp', 'ftps'],
  supported_engines: ['tar', 'rsync', 'rsyncv2', 'nova', 'osbrick', 'glance'],
};

describe('the 2026 freezer-scheduler contract, replayed', () => {
  let app: NestExpressApplication;
  const identity = newIdentity();
  const project = identity.projectId;
  // "<token project>_<socket.gethostname()>", as freezerclient makes it
  const clientId = `${project}_${hostname()}`;
  const base = `/v2/${project}`;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function send(method: 'get' | 'post' | 'patch', path: string, body?: unknown): Promise<{ status: number; body: Json; etag?: string }> {
    let req = request(app.getHttpServer())[method](path).set({ ...identityHeaders(identity), 'Content-Type': 'application/json' });
    if (body !== undefined) req = req.send(JSON.stringify(body));
    const res = await req;
    return { status: res.status, body: res.body as Json, etag: res.headers.etag };
  }

  // get_active_jobs_from_api: pages of 10 while a page is full
  async function poll(): Promise<{ pages: string[]; jobs: Json[] }> {
    const pages: string[] = [];
    const jobs: Json[] = [];
    for (let offset = 0; ; ) {
      const url = `${base}/jobs/?limit=10&offset=${offset}&all_projects=False`;
      const res = await send('get', url, { match_not: [{ status: 'completed' }], match: [{ client_id: clientId }] });
      expect(res.status).toBe(200);
      pages.push(url);
      const page = res.body.jobs as Json[];
      jobs.push(...page);
      if (page.length < 10) return { pages, jobs };
      offset += page.length;
    }
  }

  // update_job_metadata: the only shape of a job write-back
  function writeBack(job: Json, schedule: Json) {
    return send('patch', `${base}/jobs/${job.job_id as string}`, {
      job_schedule: schedule,
      session_id: (job.session_id as string | undefined) ?? '',
      session_tag: (job.session_tag as number | undefined) ?? 0,
    });
  }

  it('registers with its capabilities at every start; a restart with other capabilities refreshes them', async () => {
    const registration = { client_id: clientId, hostname: hostname(), ...CAPABILITIES, is_central: false };
    expect(await send('post', `${base}/clients/`, registration)).toMatchObject({ status: 201, body: { client_id: clientId } });
    // restarted with [capabilities] supported-storages = local only
    const restarted = { ...registration, supported_storages: ['local'] };
    expect(await send('post', `${base}/clients/`, restarted)).toMatchObject({ status: 201, body: { client_id: clientId } });
    const got = await send('get', `${base}/clients/${clientId}`);
    expect(got).toMatchObject({ status: 200, etag: '"2"' });
    expect(got.body).toEqual({
      client: { ...restarted, uuid: expect.stringMatching(/^[0-9a-f]{32}$/) },
      user_id: identity.userId,
      project_id: project,
    });
  });

  it('lives a one-shot job: taken, running, pid, backup recorded, completed; the actions and edits between write-backs stay', async () => {
    const actions = [buildJobAction({ action: 'backup', mode: 'fs', storage: 'local', engine_name: 'tar' })];
    const created = await send('post', `${base}/jobs/`, { client_id: clientId, description: 'nightly /etc', job_schedule: {}, job_actions: actions });
    expect(created.status).toBe(201);
    const jobId = created.body.job_id as string;

    const first = await poll();
    const job = first.jobs.find((j) => j.job_id === jobId)!;
    expect(job).toMatchObject({ client_id: clientId, session_id: '', session_tag: 0 });
    const schedule = job.job_schedule as Json;

    // a new job without an event: the scheduler takes it on
    const taken = { ...schedule, event: '', status: 'scheduled' };
    expect(await writeBack(job, taken)).toEqual({ status: 200, body: { job_id: jobId, version: 2 }, etag: undefined });
    // the dashboard renames the job meanwhile (a partial PATCH of its own)
    expect((await send('patch', `${base}/jobs/${jobId}`, { description: 'nightly /etc and /home' })).status).toBe(200);
    const startedAt = Math.floor(Date.now() / 1000);
    const running = { ...taken, status: 'running', result: '', time_started: startedAt, time_ended: -1 };
    expect(await writeBack(job, running)).toMatchObject({ status: 200, body: { job_id: jobId, version: 4 } });
    const withPid = { ...running, current_pid: 4242 };
    expect(await writeBack(job, withPid)).toMatchObject({ status: 200, body: { job_id: jobId, version: 5 } });

    // freezer-agent records its backup with the job's id
    const metadata = buildBackupDoc({ job_id: jobId, hostname: hostname(), storage: 'local' });
    const backup = await send('post', `${base}/backups/`, metadata);
    expect(backup.status).toBe(201);
    expect((await send('get', `${base}/backups/${backup.body.backup_id as string}`)).body).toMatchObject({ status: 'available', backup_metadata: metadata });

    const completed = { ...withPid, status: 'completed', result: 'success', time_ended: startedAt + 1 };
    expect(await writeBack(job, completed)).toMatchObject({ status: 200, body: { job_id: jobId, version: 6 } });

    const final = await send('get', `${base}/jobs/${jobId}`);
    expect(final).toMatchObject({ status: 200, etag: '"6"' });
    expect(final.body).toEqual({ ...job, description: 'nightly /etc and /home', job_schedule: completed });
    // a completed job leaves the poll
    expect((await poll()).jobs.map((j) => j.job_id)).not.toContain(jobId);
  });

  it('pages its poll with offset while a page is full, all_projects=False keeping it to its project', async () => {
    const other = newIdentity({ roles: ['admin'] });
    // the same client_id in another project is not this scheduler's
    await request(app.getHttpServer()).post(`/v2/${other.projectId}/jobs`).set(identityHeaders(other)).send({ client_id: clientId, job_schedule: {}, job_actions: [] });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await send('post', `${base}/jobs/`, { client_id: clientId, job_schedule: {}, job_actions: [] });
      ids.push(res.body.job_id as string);
    }
    const { pages, jobs } = await poll();
    const seen = jobs.map((j) => j.job_id as string);
    expect(seen.slice(-12)).toEqual(ids);
    expect(new Set(seen).size).toBe(seen.length);
    expect(jobs.every((j) => j.project_id === project)).toBe(true);
    expect(pages.at(-1)).toBe(`${base}/jobs/?limit=10&offset=${Math.floor(seen.length / 10) * 10}&all_projects=False`);
    // the central scheduler's poll (all_projects=True) from a member is the same list
    const central = await send('get', `${base}/jobs/?limit=10000&offset=0&all_projects=True`, { match_not: [{ status: 'completed' }], match: [{ client_id: clientId }] });
    expect((central.body.jobs as Json[]).map((j) => j.job_id)).toEqual(seen);
  });
});
