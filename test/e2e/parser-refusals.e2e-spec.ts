// SPDX-License-Identifier: Apache-2.0
// Requests that Node's HTTP parser refuses before any route sees them still get the JSON error
// body, a request id and the security headers, then the connection is closed; /metrics counts them.
// Sent over bare sockets: no HTTP client sends such bytes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { expectedErrors } from '../utils/expected-errors.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { sample } from '../utils/prometheus-text.js';
import { type RawAnswer, type RawHeader, rawExchange, rawRequest } from '../utils/raw-http.js';

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNICODE = 'Zoë✓山田🧊';

describe('requests the HTTP parser refuses', () => {
  let app: NestExpressApplication;
  let port: number;
  const who = newIdentity();
  const headers = (): Array<[string, string]> => [['Host', `127.0.0.1:${port}`], ...Object.entries(identityHeaders(who))];
  const bases = [`/v2/${who.projectId}`, '/v1'];

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
  });

  const metrics = async (): Promise<string> => (await request(app.getHttpServer()).get('/metrics')).text;
  const refusals = (text: string, reason: string, status: string): number =>
    sample(text, 'freezer_http_parser_refusals_total', { reason, status }) ?? 0;
  const unparsed = (text: string, status: string): number =>
    sample(text, 'freezer_http_requests_total', { method: 'unknown', route: 'unparsed', status }) ?? 0;

  // The one answer of a refused request: JSON, a fresh request id, the security headers, closed.
  async function refused(bytes: Buffer[], status: number): Promise<RawAnswer> {
    const { answers, closedByServer } = await rawExchange(port, bytes);
    expect(answers).toHaveLength(1);
    const [answer] = answers;
    expect({ status: answer.status, closedByServer }).toEqual({ status, closedByServer: true });
    expect(answer.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(answer.body)),
      'x-openstack-request-id': expect.stringMatching(REQUEST_ID),
      connection: 'close',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'content-security-policy': expect.stringContaining("default-src 'none'"),
    });
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['description', 'title']);
    return answer;
  }

  describe.each(bases)('under %s', (base) => {
    it('answers 400 JSON to raw UTF-8 bytes in the request line; the percent-encoded form keeps its answer', async () => {
      const answer = await refused([rawRequest('GET', `${base}/backups/${UNICODE}`, headers())], 400);
      expect(JSON.parse(answer.body)).toEqual({
        title: 'Bad Request',
        description: 'The request URL contains a character that is not allowed; percent-encode it',
      });
      const encoded = await rawExchange(port, [rawRequest('GET', `${base}/backups/${encodeURIComponent(UNICODE)}`, [...headers(), ['Connection', 'close']])]);
      expect({ status: encoded.answers[0].status, body: JSON.parse(encoded.answers[0].body) }).toEqual({
        status: 404,
        body: expectedErrors.notFound(`No backup found with ID ${UNICODE}`),
      });
    });

    it('answers 400 JSON to raw bytes in the query string and to raw control bytes in the path', async () => {
      for (const target of [`${base}/backups?limit=${UNICODE}`, `${base}/backups/a\u0000b`, `${base}/backups/a\u007fb`, `${base}/backups/\u00ff`]) {
        await refused([rawRequest('GET', target, headers())], 400);
      }
    });

    it('answers 400 JSON to a malformed header line, a bad header name and a control byte in a value', async () => {
      const path = `${base}/backups`;
      const cases: RawHeader[] = [
        'this is not a header',
        'X-User-Name : spaced',
        ['X(y)', '1'],
        ['X-User-Name', 'a\u0001b'],
        ['X-Auth-Token', 'a\u0000b'],
        ['Content-Length', 'abc'],
      ];
      for (const header of cases) {
        const answer = await refused([rawRequest('GET', path, [...headers(), header])], 400);
        expect(JSON.parse(answer.body)).toMatchObject({ title: 'Bad Request' });
      }
    });
  });

  it('answers 431 JSON to headers over the limit, even while the client keeps sending', async () => {
    const big = 'a'.repeat(20_000);
    const answer = await refused([rawRequest('GET', '/v1/backups', [...headers(), ['X-Padding', big]])], 431);
    expect(JSON.parse(answer.body)).toEqual({
      title: 'Request Header Fields Too Large',
      description: 'The request line and headers are larger than 16384 bytes',
    });
    // 200 KB more after the limit: the answer still arrives, then the connection closes
    const flood = [rawRequest('GET', '/v1/backups', headers()).subarray(0, 40), ...Array.from({ length: 20 }, () => Buffer.from(`X-Flood: ${'b'.repeat(10_000)}\r\n`))];
    await refused(flood, 431);
  });

  it('gives every refusal a request id of its own', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const answer = await refused([rawRequest('GET', `/v1/backups/${UNICODE}`, headers())], 400);
      ids.add(answer.headers['x-openstack-request-id']);
    }
    expect(ids.size).toBe(3);
  });

  it('answers the complete requests pipelined before a refused one first, in order', async () => {
    const created = await request(app.getHttpServer()).post(`/v2/${who.projectId}/backups`).set(identityHeaders(who)).send(buildBackupDoc());
    expect(created.status).toBe(201);
    const good = rawRequest('GET', `/v2/${who.projectId}/backups/${created.body.backup_id as string}`, headers());
    const { answers, closedByServer } = await rawExchange(port, [Buffer.concat([good, good, rawRequest('GET', `/v1/backups/${UNICODE}`, headers())])]);
    expect({ statuses: answers.map((answer) => answer.status), closedByServer }).toEqual({ statuses: [200, 200, 400], closedByServer: true });
    expect(JSON.parse(answers[0].body)).toMatchObject({ backup_id: created.body.backup_id });
    expect(answers[2].headers['content-type']).toBe('application/json');
  });

  it('answers 400 JSON when a chunked body turns out malformed, for that very request', async () => {
    const start = rawRequest('POST', `/v2/${who.projectId}/backups`, [...headers(), ['Transfer-Encoding', 'chunked'], ['Content-Type', 'application/json']]);
    const answer = await refused([start, Buffer.from('zz\r\n{}\r\n0\r\n\r\n')], 400);
    expect(JSON.parse(answer.body)).toEqual({ title: 'Bad Request', description: 'The chunked request body is malformed' });
    const list = await request(app.getHttpServer()).get(`/v2/${who.projectId}/backups`).set(identityHeaders(who));
    expect(list.body.backups).toHaveLength(1);
  });

  it('counts the refusals in /metrics, by reason and status, and in the request totals', async () => {
    const before = await metrics();
    await refused([rawRequest('GET', `/v1/backups/${UNICODE}`, headers())], 400);
    await refused([rawRequest('GET', `/v1/backups/${UNICODE}`, headers())], 400);
    await refused([rawRequest('GET', '/v1/backups', [...headers(), 'Bad Header'])], 400);
    await refused([rawRequest('GET', '/v1/backups', [...headers(), ['X-Padding', 'a'.repeat(20_000)]])], 431);
    const after = await metrics();
    expect({
      requestLine: refusals(after, 'request_line', '400') - refusals(before, 'request_line', '400'),
      header: refusals(after, 'header', '400') - refusals(before, 'header', '400'),
      tooLarge: refusals(after, 'headers_too_large', '431') - refusals(before, 'headers_too_large', '431'),
      total400: unparsed(after, '400') - unparsed(before, '400'),
      total431: unparsed(after, '431') - unparsed(before, '431'),
    }).toEqual({ requestLine: 2, header: 1, tooLarge: 1, total400: 3, total431: 1 });
  });

  it('keeps serving: a well-formed request on a new connection after the refusals', async () => {
    const { answers } = await rawExchange(port, [rawRequest('GET', '/v1/backups', [...headers(), ['Connection', 'close']])]);
    expect(answers.map((answer) => answer.status)).toEqual([200]);
  });
});
