// SPDX-License-Identifier: Apache-2.0
// Property-based fuzzing of every route of v1 and v2 (D3, D14, D19): whatever the method, path,
// query, headers and body, the answer is 2xx or 4xx, every 4xx is exactly {title, description}
// with nothing internal in it and a request id, and a refused request leaves the caller's
// documents as they were. Some cases put raw, unencoded bytes into the path or a header (sent over
// a bare socket, since HTTP clients refuse to), which Node's HTTP parser itself may refuse.
// Seeded and reproducible: FUZZ_SEED, FUZZ_RUNS and FUZZ_PATH (from a failure message) override.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import fc from 'fast-check';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { buildActionDoc } from '../factories/action.factory.js';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { buildClientDoc } from '../factories/client.factory.js';
import { buildJobDoc } from '../factories/job.factory.js';
import { buildSessionDoc } from '../factories/session.factory.js';
import { createTestApp } from '../utils/create-test-app.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { rawExchange, type RawHeader, rawRequest } from '../utils/raw-http.js';
import { testDatabaseUrl } from '../utils/test-database.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const RAW_MARK = '@@rawpath@@';
const RUNS = Number(process.env.FUZZ_RUNS ?? 4000);
const REPLAY_PATH = process.env.FUZZ_PATH;
const BODY_LIMIT = 1024 * 1024;

type Kind = 'backups' | 'clients' | 'actions' | 'jobs' | 'sessions';
const KINDS: Kind[] = ['backups', 'clients', 'actions', 'jobs', 'sessions'];
const ID_KEY: Record<Kind, string> = { backups: 'backup_id', clients: 'client_id', actions: 'action_id', jobs: 'job_id', sessions: 'session_id' };

// A route template: `{id}` and `{job}` are filled per case; `kind` names the documents behind them.
interface RouteTemplate {
  name: string;
  version: 'v1' | 'v2' | 'root';
  suffix: string;
  kind: Kind | null;
  methods: string[];
}

function routesOf(version: 'v1' | 'v2'): RouteTemplate[] {
  const routes: RouteTemplate[] = [];
  for (const kind of KINDS) {
    const replaceable = kind === 'actions' || kind === 'jobs' || kind === 'sessions';
    routes.push({ name: `${version} /${kind}`, version, suffix: `/${kind}`, kind, methods: ['GET', 'POST'] });
    routes.push({
      name: `${version} /${kind}/{id}`,
      version,
      suffix: `/${kind}/{id}`,
      kind,
      methods: replaceable ? ['GET', 'PATCH', 'POST', 'PUT', 'DELETE'] : ['GET', 'DELETE'],
    });
  }
  routes.push({ name: `${version} /jobs/{id}/event`, version, suffix: '/jobs/{id}/event', kind: 'jobs', methods: ['POST'] });
  routes.push({ name: `${version} /sessions/{id}/action`, version, suffix: '/sessions/{id}/action', kind: 'sessions', methods: ['POST'] });
  routes.push({ name: `${version} /sessions/{id}/jobs/{job}`, version, suffix: '/sessions/{id}/jobs/{job}', kind: 'sessions', methods: ['PUT', 'DELETE'] });
  routes.push({ name: `${version} (JSON-home)`, version, suffix: '', kind: null, methods: ['GET'] });
  return routes;
}

const ROUTES: RouteTemplate[] = [...routesOf('v2'), ...routesOf('v1'), { name: '/', version: 'root', suffix: '/', kind: null, methods: ['GET'] }];
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'];

// ---------------------------------------------------------------------------------------------
// Arbitraries. A case is plain data (printed as the counterexample); `@@kind#n@@` stands for the
// n-th id the fuzz identity really holds of that kind, resolved when the case runs.

interface FuzzCase {
  route: number;
  method: string;
  project: string;
  id: string;
  job: string;
  query: string;
  headers: Record<string, string>;
  body: { text: string } | { hex: string } | null;
  raw: RawBytes | null;
}

// Bytes sent as they are (hex, so that a counterexample prints them): inserted into the id (or at
// the end of the path), as the value of a header, or a whole header line.
interface RawBytes {
  path: string | null;
  header: { name: string; hex: string } | { line: string } | null;
}

const SQL_IDS = ["' or 1=1 --", "1; drop table jobs; --", "' union select null, null --", '"; delete from backups where ""="', '$1', '\\x27'];
const PATH_IDS = ['..%2F..%2Fetc%2Fpasswd', '..', '.', '%2E%2E', '%00', 'a%00b', '%2F', '%5C..%5C', '%ZZ', '%E0%A4%A', '%C0%AF', '%FF'];
const UNICODE_IDS = ['ünïcødé', '😀💾', 'مرحبا\u202e', '\u200b', 'x\u0007y', '\ud800', '\u0085'];

const encoded = (value: string): string => {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80'; // a lone surrogate as UTF-8 bytes: invalid
  }
};

function idArbitrary(kind: Kind | null): fc.Arbitrary<string> {
  const real = kind === null ? fc.constant('x') : fc.nat({ max: 50 }).map((n) => `@@${kind}#${n}@@`);
  return fc.oneof(
    { weight: 6, arbitrary: real },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/) },
    { weight: 1, arbitrary: fc.constantFrom(...SQL_IDS).map(encoded) },
    { weight: 1, arbitrary: fc.constantFrom(...PATH_IDS) },
    { weight: 1, arbitrary: fc.constantFrom(...UNICODE_IDS).map(encoded) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(encoded) },
    { weight: 1, arbitrary: fc.constantFrom(255, 256, 1000, 3000).map((n) => 'i'.repeat(n)) },
  );
}

const projectArbitrary = (own: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(own) },
    { weight: 1, arbitrary: fc.stringMatching(/^p[0-9a-f]{12}$/) },
    { weight: 1, arbitrary: fc.constantFrom(...SQL_IDS, ...UNICODE_IDS).map(encoded) },
    { weight: 1, arbitrary: fc.constantFrom(...PATH_IDS) },
  );

const queryValueArbitrary = (kind: Kind | null): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', '0', '1', '5', '-1', '10000', '10001', 'abc', '1e3', '0x10', '+3', ' 7 ', '99999999999999999999', '2147483648', '1.5').map(encoded),
    fc.constantFrom('%ZZ', '%00', '%20%207', '1%2C2'),
    kind === null ? fc.constant('x') : fc.nat({ max: 50 }).map((n) => `@@${kind}#${n}@@`),
    fc.constantFrom(...SQL_IDS, ...UNICODE_IDS).map(encoded),
    fc.string({ maxLength: 12 }).map(encoded),
  );

function queryArbitrary(kind: Kind | null): fc.Arbitrary<string> {
  const param = fc.tuple(fc.constantFrom('limit', 'offset', 'marker', 'client_id', 'all_projects', 'limit[]', 'offset[x]', 'search', ''), queryValueArbitrary(kind));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: fc.array(param, { maxLength: 5 }).map((pairs) => (pairs.length ? '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&') : '')) },
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&', '?limit', '?=', '?limit=1&limit=2&limit=x', '?marker=&marker=') },
  );
}

// Raw bytes: UTF-8 text unencoded, random bytes, and the bytes a URL or header value cannot hold
// as they are. CR and LF are left out: they would end the line, and the cases below with a
// malformed line cover that.
const RAW_TEXTS = ['Zoë', 'ünïcødé', '😀💾', 'مرحبا\u202e', '\u200b', '山田', '\u0085', '\ufeff'];
const RAW_SPECIALS = ['00', '01', '7f', '09', '20', 'ff', 'fffe', 'c0af', 'eda080', 'e0a4', '80', '23', '3f', '25', '2541', '5c', '22', '3c3e', '7b7d', '60', '2c', '3b'];
const rawBytesArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RAW_TEXTS).map((text) => Buffer.from(text, 'utf8').toString('hex')) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes) => Buffer.from(bytes.filter((b) => b !== 0x0d && b !== 0x0a)).toString('hex')) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_SPECIALS) },
);
const RAW_HEADER_NAMES = ['X-User-Name', 'X-User-Id', 'X-Project-Id', 'X-Auth-Token', 'X-Roles', 'Accept', 'Content-Type', 'If-Match', 'X-Openstack-Request-Id', 'X-Fuzz'];
// `@@big@@` stands for a value over Node's 16 KB header limit.
const RAW_HEADER_LINES = ['no colon here', 'X-A : spaced', ': no name', 'X(y): 1', ' X-Folded: continued', 'X-Ä: 1', 'X-A:\u0000', 'X-Big: @@big@@'];
const rawArbitrary: fc.Arbitrary<RawBytes | null> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({ path: rawBytesArbitrary, header: fc.constant(null) }),
      fc.record({ path: fc.constant(null), header: fc.record({ name: fc.constantFrom(...RAW_HEADER_NAMES), hex: rawBytesArbitrary }) }),
      fc.record({ path: fc.constant(null), header: fc.record({ line: fc.constantFrom(...RAW_HEADER_LINES) }) }),
    ),
  },
);

// Mostly the headers a client sends; now and then one that must be refused or tolerated.
const rarely = <T>(arbitrary: fc.Arbitrary<T>, weight = 12): fc.Arbitrary<T | null> =>
  fc.oneof({ weight, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

const headersArbitrary: fc.Arbitrary<Record<string, string | null>> = fc.record({
  'Content-Type': fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', ';;;') },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  Accept: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(null, '*/*', 'application/json', 'application/json, text/plain, */*', 'text/*;q=0.5, application/*') },
    { weight: 1, arbitrary: fc.constantFrom('text/html', 'application/xml', 'application/json;q=0', 'garbage/', 'application/json-home', 'text/plain') },
  ),
  'If-Match': rarely(fc.constantFrom('*', '"1"', 'W/"2"', '"999"', 'garbage', '"1", "2"', ''), 8),
  'Content-Encoding': rarely(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'x-bogus')),
  'X-Roles': rarely(fc.constantFrom('admin', 'member,admin', 'ADMIN', ''), 6),
  'X-User-Id': rarely(fc.constantFrom('u'.repeat(256))),
  'X-Openstack-Request-Id': rarely(fc.constantFrom('req-fuzz', 'bad id with spaces', 'x'.repeat(300)), 6),
});

// Values that do not belong: wrong types, edge numbers (raw JSON tokens), unicode, NUL, lone
// surrogates, deep nesting, huge strings (within BODY_LIMIT), arrays where objects are expected.
const RAW_NUMBERS = ['1e309', '-1e309', '-0', '1152921504606846976', '1e-400', '0.1', '-2147483649', '9007199254740993'];
const rawToken = (token: string): string => `@@raw:${token}@@`;

function nested(depth: number, asArray: boolean): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { n: value };
  return value;
}

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_NUMBERS).map(rawToken) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '😀💾🧊', 'עברית \u202e', '\u200f\u200e', '\ufeff') },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2, max: 120 }), fc.boolean()).map(([depth, asArray]) => nested(depth, asArray)) },
  { weight: 1, arbitrary: fc.constantFrom(50_000, 300_000, 900_000).map((n) => 'h'.repeat(n)) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, '', [], {}, [{}], [[]], ['x'], { a: [1, { b: null }] }) },
);

interface Mutation {
  op: 'delete' | 'set' | 'extra';
  at: number[];
  key: string;
  value: unknown;
}

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<Mutation['op']>('delete', 'set', 'extra'),
  at: fc.array(fc.nat(), { maxLength: 3 }),
  key: fc.oneof(fc.constantFrom('bogus', '_version', 'version', 'user_id', 'project_id', 'job_id', 'session_id', 'client_id', '', '$where', 'a.b'), fc.string({ maxLength: 8 })),
  value: weirdValue,
});

function applyMutation(doc: Record<string, unknown>, mutation: Mutation): void {
  const value = structuredClone(mutation.value); // constants are shared between cases
  let target: Record<string, unknown> | unknown[] = doc;
  for (const step of mutation.at) {
    const keys = Object.keys(target);
    if (keys.length === 0) break;
    const next = (target as Record<string, unknown>)[keys[step % keys.length]!];
    if (typeof next !== 'object' || next === null) break;
    target = next as Record<string, unknown>;
  }
  const keys = Object.keys(target);
  const existing = keys.length > 0 ? keys[mutation.at.length % keys.length]! : mutation.key;
  if (mutation.op === 'delete') {
    if (Array.isArray(target)) target.splice(Number(existing), 1);
    else delete target[existing];
  } else if (mutation.op === 'set') {
    (target as Record<string, unknown>)[existing] = value;
  } else if (!Array.isArray(target)) {
    target[mutation.key] = value;
  }
}

// The factories' random names are replaced by generated ones, so that a seed replays exactly.
function setTag(doc: unknown, tag: string): void {
  const record = doc as Record<string, unknown>;
  if ('description' in record) record.description = `fuzz ${tag}`;
  if ('backup_name' in record) record.backup_name = `fuzz-${tag}`;
}

function validBody(kind: Kind | null, suffix: string): fc.Arbitrary<unknown> {
  const tag = 'x';
  if (suffix.endsWith('/event')) {
    return fc.constantFrom<unknown>({ start: null }, { stop: null }, { abort: null }, { remove: null }, { bogus: null }, {}, { start: { x: 1 } });
  }
  if (suffix.endsWith('/action')) {
    return fc
      .tuple(fc.constantFrom('start', 'end', 'bogus'), fc.nat({ max: 50 }), fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constantFrom<unknown>('3', 'x', null, 2.7, rawToken('1e309'))))
      .map(([action, n, tag]) => ({ [action]: { job_id: `@@jobs#${n}@@`, current_tag: tag, result: 'success' } }));
  }
  switch (kind) {
    case 'backups':
      return fc.constant(buildBackupDoc({ backup_name: `fuzz-${tag}` }));
    case 'clients':
      return fc.stringMatching(/^[a-z0-9]{1,12}$/).map((host) => buildClientDoc({ client_id: `fuzz_${host}`, hostname: host }));
    case 'actions':
      return fc.constant(buildActionDoc({ freezer_action: { action: 'backup', backup_name: `fuzz-${tag}`, path_to_backup: '/etc' } }));
    case 'jobs':
      return fc.nat({ max: 50 }).map((n) => buildJobDoc({ client_id: `fuzz_client`, description: `fuzz ${tag}`, session_id: n % 7 === 0 ? `@@sessions#${n}@@` : undefined }));
    case 'sessions':
      return fc.constant(buildSessionDoc({ description: `fuzz ${tag}` }));
    default:
      return fc.constant({});
  }
}

const searchBody: fc.Arbitrary<unknown> = fc.record(
  {
    match: fc.oneof(fc.array(fc.dictionary(fc.constantFrom('_all', 'client_id', 'job_schedule.status', 'status', 'backup_name', 'x'), weirdValue, { maxKeys: 2 }), { maxLength: 3 }), weirdValue),
    match_not: fc.oneof(fc.array(fc.dictionary(fc.string({ maxLength: 5 }), weirdValue, { maxKeys: 2 }), { maxLength: 2 }), weirdValue),
    time_after: weirdValue,
    time_before: weirdValue,
  },
  { requiredKeys: [] },
);

const MALFORMED = ['{', '{"a":}', "{'a': 1}", '[1,]', 'nul', '"unterminated', '{"a":1}{"b":2}', '\u0000', '{"a":"\\x"}', '{"a":"\\ud800"}', '{"\\u0000":1}'];

function bodyArbitrary(template: RouteTemplate): fc.Arbitrary<FuzzCase['body']> {
  const tag = fc.stringMatching(/^[a-z0-9]{4}$/);
  const valid = validBody(template.kind, template.suffix);
  const documentBody = fc
    .tuple(tag, valid, fc.array(mutationArbitrary, { maxLength: 3 }))
    .map(([t, valid, mutations]) => {
      const doc = structuredClone(valid) as Record<string, unknown>;
      setTag(doc, t);
      for (const mutation of mutations) applyMutation(doc, mutation);
      return doc;
    });
  const asText = (value: unknown): { text: string } => ({
    text: JSON.stringify(value).replace(/"@@raw:([^@]+)@@"/g, '$1'),
  });
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 8, arbitrary: documentBody.map(asText) },
    { weight: 2, arbitrary: searchBody.map(asText) },
    { weight: 1, arbitrary: fc.oneof(documentBody.map((d) => [d]), weirdValue).map(asText) },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED).map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.constantFrom('fffe7b7d', 'c328', '7b2261223a2280ff227d', 'efbbbf7b7d', '00').map((hex) => ({ hex })) },
  );
}

// Built once per route: constructing arbitraries (stringMatching above all) is the costly part.
function caseArbitrary(ownProject: string): fc.Arbitrary<FuzzCase> {
  const cleanHeaders = headersArbitrary.map((headers) => Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== null)) as Record<string, string>);
  const perRoute = ROUTES.map((template, route) =>
    fc.record({
      route: fc.constant(route),
      method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...template.methods) }, { weight: 1, arbitrary: fc.constantFrom(...ALL_METHODS) }),
      project: projectArbitrary(ownProject),
      id: idArbitrary(template.kind),
      job: idArbitrary('jobs'),
      query: queryArbitrary(template.kind),
      headers: cleanHeaders,
      body: bodyArbitrary(template),
      raw: rawArbitrary,
    }),
  );
  return fc.oneof(...perRoute);
}

// ---------------------------------------------------------------------------------------------
// Running a case: raw node:http, so that nothing normalises the path, the method or the body.

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function holdsNonFinite(body: Buffer): boolean {
  let found = false;
  try {
    JSON.parse(body.toString('utf8'), (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) found = true;
      return value;
    });
  } catch {
    return false;
  }
  return found;
}

// Internal names and texts that must never reach a client (D3). Fuzz inputs use lowercase SQL.
const LEAK = /QueryFailedError|node_modules|typeorm|postgres|\bpg_|SQLSTATE|duplicate key|violates|invalid input syntax|relation "|column "|\bat \S+ \(|\.js:\d+|\/src\/|\/dist\/|SELECT |INSERT |UPDATE \w+ SET|DELETE FROM|TypeError|ReferenceError|RangeError|Cannot read|undefined is not/;

describe('fuzzing every route of v1 and v2', () => {
  let app: NestExpressApplication;
  let db: pg.Client;
  let port: number;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const who = newIdentity({ userId: `ufuzz${Date.now().toString(36)}` });
  const pool: Record<Kind, string[]> = { backups: [], clients: [], actions: [], jobs: [], sessions: [] };

  function send(method: string, path: string, headers: Record<string, string>, body: Buffer | null): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  }

  // The same over a bare socket, the path and the headers as bytes; one connection per request.
  async function sendRaw(method: string, path: Buffer, headers: Record<string, string>, extra: RawHeader | null, body: Buffer | null): Promise<Answer> {
    const lines: RawHeader[] = [['Host', `127.0.0.1:${port}`], ['Connection', 'close'], ...Object.entries(headers), ...(extra === null ? [] : [extra])];
    const { answers } = await rawExchange(port, [rawRequest(method, path, lines, body ?? undefined)], { head: method === 'HEAD' });
    if (answers.length !== 1) throw new Error(`${answers.length} answers to one request`);
    const [answer] = answers;
    return { status: answer.status, headers: answer.headers, text: answer.body };
  }

  // The fuzz identity's rows in every table: a change of any document moves its version (D6),
  // so ids, versions and update times are enough.
  async function snapshot(): Promise<string> {
    const parts = KINDS.map(
      (table) => `SELECT '${table}' AS t, count(*)::int AS n, coalesce(sum(version), 0)::bigint AS v, max(updated_at)::text AS u,
        coalesce(sum(hashtext(id || ':' || version || ':' || coalesce(project_id, '-'))), 0)::text AS h
        FROM ${table} WHERE owner_id = $1`,
    );
    const { rows } = await db.query(parts.join(' UNION ALL '), [who.userId]);
    return JSON.stringify(rows);
  }

  function resolveIds(text: string): string {
    return text.replace(/@@(\w+)#(\d+)@@/g, (_all, kind: Kind, n: string) => {
      const ids = pool[kind] ?? [];
      return ids.length === 0 ? 'none' : ids[Number(n) % ids.length]!;
    });
  }

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    const headers = { ...identityHeaders(who), 'Content-Type': 'application/json' };
    for (const base of [`/v2/${who.projectId}`, '/v1']) {
      const docs: Record<Kind, unknown> = {
        backups: buildBackupDoc(),
        clients: buildClientDoc(),
        actions: buildActionDoc(),
        jobs: buildJobDoc(),
        sessions: buildSessionDoc(),
      };
      for (const kind of KINDS) {
        const res = await send('POST', `${base}/${kind}`, headers, Buffer.from(JSON.stringify(docs[kind])));
        expect(res.status).toBe(201);
        pool[kind].push(String(JSON.parse(res.text)[ID_KEY[kind]]));
      }
      const join = await send('PUT', `${base}/sessions/${pool.sessions.at(-1)}/jobs/${pool.jobs.at(-1)}`, headers, null);
      expect(join.status).toBe(204);
    }
  });

  afterAll(async () => {
    agent.destroy();
    await db?.end();
    await app?.close();
  });

  it(`answers 2xx or 4xx with a clean JSON error and changes nothing when refusing (seed ${SEED}, ${RUNS} runs)`, async () => {
    const stats = { cases: 0, byStatus: new Map<number, number>(), routes: new Set<string>(), templates: new Set<string>(), fiveHundreds: 0, raw: 0, parserRefusals: 0 };
    let before = await snapshot();
    const property = fc.asyncProperty(caseArbitrary(who.projectId), async (c) => {
      try {
        await runCase(c);
      } catch (error) {
        before = await snapshot(); // the next case (or a shrink step) starts from the real state
        throw error;
      }
    });
    const runCase = async (c: FuzzCase): Promise<void> => {
      const template = ROUTES[c.route]!;
      const prefix = template.version === 'v2' ? `/v2/${c.project}` : template.version === 'v1' ? '/v1' : '';
      const rawPath = c.raw?.path ?? null;
      // where raw path bytes go: into the id, or at the end of a path without one
      const suffix = rawPath === null ? template.suffix : template.suffix.includes('{id}') ? template.suffix.replace('{id}', `{id}${RAW_MARK}`) : `${template.suffix}${RAW_MARK}`;
      const path = resolveIds(prefix + suffix.replace('{id}', c.id).replace('{job}', c.job) + c.query);
      const body = c.body === null ? null : 'hex' in c.body ? Buffer.from(c.body.hex, 'hex') : Buffer.from(resolveIds(c.body.text));
      const headers: Record<string, string> = { ...identityHeaders(who), ...c.headers };
      let answer: Answer;
      if (c.raw === null) {
        answer = await send(c.method, path, headers, body);
      } else {
        const pathBytes = Buffer.concat(path.split(RAW_MARK).flatMap((part, i) => (i === 0 ? [Buffer.from(part, 'latin1')] : [Buffer.from(rawPath!, 'hex'), Buffer.from(part, 'latin1')])));
        const header = c.raw.header;
        let extra: RawHeader | null = null;
        if (header !== null && 'name' in header) {
          for (const name of Object.keys(headers)) if (name.toLowerCase() === header.name.toLowerCase()) delete headers[name];
          extra = [header.name, Buffer.from(header.hex, 'hex')];
        } else if (header !== null) {
          extra = header.line.replace('@@big@@', 'b'.repeat(17_000));
        }
        answer = await sendRaw(c.method, pathBytes, headers, extra, body);
        stats.raw++;
      }
      stats.cases++;
      stats.routes.add(`${c.method} ${template.name}`);
      stats.templates.add(template.name);
      stats.byStatus.set(answer.status, (stats.byStatus.get(answer.status) ?? 0) + 1);
      const where = `${c.method} ${path} (${body ? body.length : 0}-byte body) -> ${answer.status} ${answer.text.slice(0, 300)}`;
      if (answer.status >= 500) stats.fiveHundreds++;
      if (answer.status === 300 && template.version === 'root') return; // GET / lists the versions (D1)
      if (answer.status < 200 || answer.status >= 500) throw new Error(`status out of range: ${where}`);
      if (answer.status >= 200 && answer.status < 300) {
        // 1e309 parses as Infinity and would be stored as null: refused at the edge instead (D14)
        if (body && holdsNonFinite(body)) throw new Error(`a body holding a number out of range was accepted: ${where}`);
        if (answer.status === 201 && template.kind && template.suffix === `/${template.kind}` && c.method === 'POST') {
          const created = JSON.parse(answer.text) as Record<string, unknown>;
          if (typeof created[ID_KEY[template.kind]] === 'string') pool[template.kind].push(created[ID_KEY[template.kind]] as string);
        }
        before = await snapshot();
        return;
      }
      if (!/^req-/.test(String(answer.headers['x-openstack-request-id'] ?? ''))) throw new Error(`4xx without a request id: ${where}`);
      if (c.method !== 'HEAD') {
        if (!/^application\/json/.test(answer.headers['content-type'] ?? '')) throw new Error(`4xx without a JSON body: ${where}`);
        const parsed = JSON.parse(answer.text) as Record<string, unknown>;
        const keys = Object.keys(parsed).sort();
        if (keys.join() !== 'description,title' || typeof parsed.title !== 'string' || typeof parsed.description !== 'string') {
          throw new Error(`4xx body is not exactly {title, description}: ${where}`);
        }
        if (LEAK.test(answer.text)) throw new Error(`4xx body reveals internals (${LEAK.exec(answer.text)![0]}): ${where}`);
        if (c.raw !== null && answer.headers.connection === 'close' && /^(Bad Request|Request Header Fields Too Large)$/.test(String(parsed.title))) stats.parserRefusals++;
      }
      const after = await snapshot();
      if (after !== before) throw new Error(`a refused request changed the database: ${where}\nbefore ${before}\nafter  ${after}`);
    };
    console.log(`fuzz: seed ${SEED}, ${RUNS} runs (FUZZ_SEED/FUZZ_RUNS/FUZZ_PATH to change or replay)`);
    try {
      await fc.assert(property, { seed: SEED, numRuns: RUNS, ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}), endOnFailure: false });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      throw new Error(
        `Fuzzing failed; replay with FUZZ_SEED=${SEED} FUZZ_PATH=<path below>\n${(error as Error).message}\n${cause ? `Error: ${cause.message}` : ''}`,
      );
    } finally {
      const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ');
      console.log(
        `fuzz: seed ${SEED}: ${stats.cases} requests, ${stats.templates.size}/${ROUTES.length} route templates, ${stats.routes.size} method×route pairs, ` +
          `5xx seen: ${stats.fiveHundreds}; statuses ${statuses}; ${stats.raw} with raw bytes, ${stats.parserRefusals} refused by the HTTP parser`,
      );
    }
    expect(stats.fiveHundreds).toBe(0);
    expect(stats.templates.size).toBe(ROUTES.length);
    // the raw cases reached the parser's refusals, not only the application
    expect(stats.parserRefusals).toBeGreaterThan(0);
  }, 300_000);

  // Found by this fuzzing: {"x": 1e309} was answered 201 and stored as {"x": null}.
  it.each(['1e309', '-1e309'])('refuses a number out of range (%s) instead of storing null', async (token) => {
    const headers = { ...identityHeaders(who), 'Content-Type': 'application/json' };
    const text = JSON.stringify(buildBackupDoc({ backup_name: 'out-of-range', size: 0 })).replace('"size":0', `"size":${token}`);
    const res = await send('POST', `/v2/${who.projectId}/backups`, headers, Buffer.from(text));
    expect({ status: res.status, body: JSON.parse(res.text) }).toEqual({
      status: 400,
      body: { title: 'Bad request format', description: 'Numbers must be finite: a number is out of range' },
    });
  });
});
