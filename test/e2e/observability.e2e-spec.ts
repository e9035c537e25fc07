// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { buildJobDoc } from '../factories/job.factory.js';
import { buildSessionDoc } from '../factories/session.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { sample } from '../utils/prometheus-text.js';
import { freePort, startService, type ServiceProcess } from '../utils/service-process.js';
import { testDatabaseUrl } from '../utils/test-database.js';

describe('observability', () => {
  describe('GET /metrics', () => {
    let app: NestExpressApplication;
    beforeAll(async () => {
      app = await createTestApp();
    });
    afterAll(async () => {
      await app.close();
    });

    const metrics = async (): Promise<string> => {
      const res = await request(app.getHttpServer()).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text;
    };

    it('counts requests by route template and status, and times them in a histogram', async () => {
      const identity = newIdentity();
      const server = app.getHttpServer();
      const before = await metrics();
      const route = { method: 'GET', route: '/v2/:project_id/jobs/:job_id' };
      for (const id of ['a1', 'b2', 'c3']) {
        expect((await request(server).get(`/v2/${identity.projectId}/jobs/${id}`).set(identityHeaders(identity))).status).toBe(404);
      }
      await request(server).get('/no/such/route/x1');
      await request(server).get('/no/such/route/x2');
      const after = await metrics();
      const count = (text: string, labels: Record<string, string>) => sample(text, 'freezer_http_requests_total', labels) ?? 0;
      expect(count(after, { ...route, status: '404' }) - count(before, { ...route, status: '404' })).toBe(3);
      expect(count(after, { route: 'unmatched', status: '404' }) - count(before, { route: 'unmatched', status: '404' })).toBe(2);
      // the ids and the unknown paths never become label values
      expect(after).not.toMatch(/a1|b2|c3|x1|x2|no\/such/);
      const histogram = (suffix: string) => sample(after, `freezer_http_request_duration_seconds_${suffix}`, route) ?? 0;
      expect(histogram('count') - (sample(before, 'freezer_http_request_duration_seconds_count', route) ?? 0)).toBe(3);
      expect(sample(after, 'freezer_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(histogram('count'));
      expect(histogram('sum')).toBeGreaterThan(0);
    });

    it('reports the database pool and the process', async () => {
      const text = await metrics();
      expect(sample(text, 'freezer_db_pool_max_connections')).toBe(4);
      const idle = sample(text, 'freezer_db_pool_connections', { state: 'idle' });
      const busy = sample(text, 'freezer_db_pool_connections', { state: 'busy' });
      expect({ idle: Number.isInteger(idle), busy: Number.isInteger(busy), withinPool: (idle ?? 0) + (busy ?? 0) <= 4 }).toEqual({
        idle: true,
        busy: true,
        withinPool: true,
      });
      expect(sample(text, 'freezer_db_pool_waiting_requests')).toBe(0);
      expect(sample(text, 'freezer_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(sample(text, 'freezer_database_unavailable_total')).toBe(0);
    });

    it('counts session start and end results', async () => {
      const identity = newIdentity();
      const server = app.getHttpServer();
      const base = `/v2/${identity.projectId}`;
      const headers = identityHeaders(identity);
      const job = await request(server).post(`${base}/jobs`).set(headers).send(buildJobDoc());
      const session = await request(server).post(`${base}/sessions`).set(headers).send(buildSessionDoc());
      expect([job.status, session.status]).toEqual([201, 201]);
      const sessionId = session.body.session_id as string;
      const jobId = job.body.job_id as string;
      expect((await request(server).put(`${base}/sessions/${sessionId}/jobs/${jobId}`).set(headers)).status).toBe(204);
      const before = await metrics();
      const act = async (body: object) => (await request(server).post(`${base}/sessions/${sessionId}/action`).set(headers).send(body)).body.result;
      expect(await act({ start: { job_id: jobId, current_tag: 0 } })).toBe('success');
      expect(await act({ start: { job_id: jobId, current_tag: 1 } })).toBe('hold-off');
      expect(await act({ end: { job_id: jobId, result: 'success' } })).toBe('success');
      const after = await metrics();
      const delta = (labels: Record<string, string>) =>
        (sample(after, 'freezer_session_actions_total', labels) ?? 0) - (sample(before, 'freezer_session_actions_total', labels) ?? 0);
      expect({
        startSuccess: delta({ action: 'start', result: 'success' }),
        startHoldOff: delta({ action: 'start', result: 'hold-off' }),
        endSuccess: delta({ action: 'end', result: 'success' }),
      }).toEqual({ startSuccess: 1, startHoldOff: 1, endSuccess: 1 });
    });
  });

  describe('logs', () => {
    let service: ServiceProcess;
    let url: string;
    beforeAll(async () => {
      service = startService({ DATABASE_URL: testDatabaseUrl(), PORT: String(await freePort()), LOG_LEVEL: 'log', LOG_FORMAT: 'json' });
      url = await service.listening(60_000);
    });
    afterAll(async () => {
      await service?.stop();
    });

    it('writes every line as a JSON object, the access line with the request id the caller got', async () => {
      const identity = newIdentity();
      const res = await fetch(`${url}/v2/${identity.projectId}/jobs/nothing`, {
        headers: { ...identityHeaders(identity), 'X-Openstack-Request-Id': 'req-observed-1' },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-openstack-request-id')).toBe('req-observed-1');
      let access: Record<string, unknown> | undefined;
      for (let i = 0; i < 50 && !access; i++) {
        access = service
          .output()
          .split('\n')
          .filter((line) => line.includes('req-observed-1'))
          .map((line) => JSON.parse(line) as Record<string, unknown>)[0];
        if (!access) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(access).toMatchObject({
        level: 'log',
        context: 'HTTP',
        request_id: 'req-observed-1',
        method: 'GET',
        path: `/v2/${identity.projectId}/jobs/nothing`,
        route: '/v2/:project_id/jobs/:job_id',
        status: 404,
      });
      expect(typeof access?.duration_ms).toBe('number');
      const lines = service.output().split('\n').filter((line) => line.trim() !== '');
      const notJson = lines.filter((line) => {
        try {
          return typeof JSON.parse(line) !== 'object';
        } catch {
          return true;
        }
      });
      expect(notJson).toEqual([]);
      // Nest's start-up inventory stays at debug level
      expect(lines.some((line) => line.includes('RouterExplorer'))).toBe(false);
    });
  });
});
