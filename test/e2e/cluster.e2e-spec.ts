// SPDX-License-Identifier: Apache-2.0
// WORKERS=2: one port served by two processes of Node's cluster module on one PostgreSQL database.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { sample } from '../utils/prometheus-text.js';
import { rawExchange, rawRequest } from '../utils/raw-http.js';
import { freePort, startService, stopAllServices, type ServiceProcess } from '../utils/service-process.js';
import { testDatabaseUrl } from '../utils/test-database.js';
import { until } from '../utils/until.js';

interface LogLine {
  pid: number;
  message: string;
}

function logLines(service: ServiceProcess): LogLine[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

// One request on a connection of its own, so that the primary hands each to the next worker.
function send(method: string, url: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('WORKERS=2 (cluster)', () => {
  let service: ServiceProcess;
  let url: string;
  const workerPids = (): number[] =>
    [...new Set(logLines(service).filter((line) => line.message.startsWith('Freezer API listening')).map((line) => line.pid))];

  beforeAll(async () => {
    service = startService({ DATABASE_URL: testDatabaseUrl(), PORT: String(await freePort()), WORKERS: '2', LOG_LEVEL: 'log' });
    url = await service.listening(60_000);
    await until('two workers listening', () => (workerPids().length === 2 ? true : undefined), 60_000);
  });
  afterAll(async () => {
    await stopAllServices();
  });

  it('serves one port from two processes that share the database, and sums their metrics', async () => {
    expect(workerPids()).not.toContain(service.pid);
    const identity = newIdentity();
    const headers = { ...identityHeaders(identity), 'Content-Type': 'application/json' };
    const created: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await send('POST', `${url}/v2/${identity.projectId}/backups`, headers, buildBackupDoc({ backup_name: `cluster-${i}` }));
      expect(res.status).toBe(201);
      created.push((JSON.parse(res.text) as { backup_id: string }).backup_id);
    }
    // every backup written through either worker is read back through whichever answers
    for (const id of created) expect((await send('GET', `${url}/v2/${identity.projectId}/backups/${id}`, headers)).status).toBe(200);
    // requests the HTTP parser refuses, one connection each, so both workers get some
    for (let i = 0; i < 6; i++) {
      const refused = await rawExchange(Number(new URL(url).port), [rawRequest('GET', '/v1/backups/Zoë', [['Host', 'localhost']])]);
      expect(refused.answers.map((answer) => [answer.status, answer.headers['content-type']])).toEqual([[400, 'application/json']]);
    }
    const metrics = (await send('GET', `${url}/metrics`)).text;
    expect(sample(metrics, 'freezer_http_requests_total', { route: '/v2/:project_id/backups', status: '201' })).toBe(20);
    expect(sample(metrics, 'freezer_http_requests_total', { route: '/v2/:project_id/backups/:backup_id', status: '200' })).toBe(20);
    expect(sample(metrics, 'freezer_http_parser_refusals_total', { reason: 'request_line', status: '400' })).toBe(6);
    // ...and the refusals were spread over both workers, so the 6 above is a sum
    const refusing = () => new Set(logLines(service).filter((line) => line.message.startsWith('refused before parsing')).map((line) => line.pid));
    await expect(until('refusal log lines of both workers', () => (refusing().size === 2 ? true : undefined))).resolves.toBe(true);
    // two pools of DB_POOL_SIZE (10 by default)
    expect(metrics).toMatch(/^freezer_db_pool_max_connections 20$/m);
  });

  it('replaces a worker that dies, and keeps serving meanwhile', async () => {
    const [victim] = workerPids();
    process.kill(victim, 'SIGKILL');
    await until('a replacement worker', () => (workerPids().filter((pid) => pid !== victim).length === 2 ? true : undefined), 60_000);
    expect(service.output()).toMatch(new RegExp(`Worker ${victim} exited \\(SIGKILL\\)`));
    for (let i = 0; i < 4; i++) expect((await send('GET', `${url}/`)).status).toBe(300);
  });

  it('stops every worker gracefully on SIGTERM and exits 0', async () => {
    const workers = workerPids().filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(await service.stop(30_000)).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    const shutdowns = logLines(service).filter((line) => line.message === 'Shutdown complete').map((line) => line.pid);
    expect(shutdowns.sort()).toEqual(workers.sort());
    expect(service.output()).toMatch(/All workers stopped"/);
  });

  it('is refused on the embedded database', async () => {
    const refused = startService({ DATABASE_URL: undefined, PORT: String(await freePort()), WORKERS: '2' });
    expect(await refused.exited(30_000)).toBe(1);
    expect(refused.output()).toContain('WORKERS is 2, but the embedded database serves one process; set DATABASE_URL');
  });
});
