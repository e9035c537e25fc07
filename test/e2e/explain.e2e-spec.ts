// SPDX-License-Identifier: Apache-2.0
// D10: the hot searches are index-backed. Seeds a catalogue big enough for the planner to care,
// straight into the tables (the triggers still promote the search keys), then EXPLAINs the exact
// SQL the repositories send, built by the same function (buildListQuery).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pg from 'pg';
import request from 'supertest';
import { type Owner, ownerFor } from '../../src/common/auth/request-context.js';
import { parsePaging } from '../../src/common/http/list-query.js';
import type { JsonObject } from '../../src/common/json/json.types.js';
import { buildListQuery, type SqlQuery } from '../../src/common/ownership/owned-documents.js';
import { parseSearch } from '../../src/common/search/search-document.js';
import type { SearchSpec } from '../../src/common/search/search-sql.js';
import { BACKUP_SEARCH } from '../../src/modules/backups/backups.repository.js';
import { CLIENT_SEARCH } from '../../src/modules/clients/clients.repository.js';
import { createTestApp } from '../utils/create-test-app.js';
import { testDatabaseUrl } from '../utils/test-database.js';

const SEED_TIMEOUT_MS = 180_000;
const BACKUPS = 20_000;
const CLIENTS = 5_000;
const OTHER_OWNERS = 4;
const OTHERS_EACH = 500;
const NAMES = 5_000; // distinct backup names: 4 backups per name, as a job's daily runs

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows': number;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

describe('EXPLAIN of the hot searches', () => {
  const seedId = randomUUID().replaceAll('-', '').slice(0, 12);
  const user = `explain-${seedId}`;
  const project = `explain-p-${seedId}`;
  const others = Array.from({ length: OTHER_OWNERS }, (_, i) => `explain-${seedId}-other${i}`);
  const owner: Owner = ownerFor(
    { userId: user, userName: null, projectId: project, roles: [], isAdmin: false, requestId: 'req-explain' },
    'user',
    project,
  )!;
  let db: pg.Client;
  let app: NestExpressApplication;

  // Backups shaped like freezer-agent's, for `ownerId` in `projectId`, numbered from..to.
  async function seedBackups(ownerId: string, projectId: string, from: number, to: number): Promise<void> {
    await db.query(
      `INSERT INTO backups (owner_id, id, project_id, user_id, created_at, doc)
       SELECT $1::text, md5($1 || n), $2::text, $1::text, timestamptz '2024-01-01' + n * interval '1 second',
         jsonb_build_object('backup_id', md5($1 || n), 'user_id', $1::text, 'user_name', null, 'project_id', $2::text,
           'backup_metadata', jsonb_build_object(
             'backup_name', 'job-' || lpad((n % ${NAMES})::text, 5, '0'),
             'hostname', 'node-' || lpad((n % 1000)::text, 4, '0') || '.example.com',
             'container', 'freezer_backups', 'action', 'backup', 'mode', 'fs', 'storage', 'swift',
             'path_to_backup', '/var/lib/app', 'level', n % 5, 'curr_backup_level', n % 5, 'max_level', 5,
             'time_stamp', 1700000000 + n, 'client_os', 'linux', 'fs_real_path', '/var/lib/app'))
       FROM generate_series($3::int, $4::int) AS n`,
      [ownerId, projectId, from, to],
    );
  }

  // Clients as freezer-scheduler registers them, plus the uuid the server adds.
  async function seedClients(ownerId: string, projectId: string, from: number, to: number): Promise<void> {
    await db.query(
      `INSERT INTO clients (owner_id, id, project_id, user_id, created_at, doc)
       SELECT $1::text, $2 || '_node-' || n || '.example.com', $2::text, $1::text,
         timestamptz '2024-01-01' + n * interval '1 second',
         jsonb_build_object('user_id', $1::text, 'project_id', $2::text,
           'client', jsonb_build_object('client_id', $2 || '_node-' || n || '.example.com',
             'hostname', 'node-' || n || '.example.com', 'uuid', md5('uuid' || $1 || n)))
       FROM generate_series($3::int, $4::int) AS n`,
      [ownerId, projectId, from, to],
    );
  }

  beforeAll(async () => {
    db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    await seedBackups(user, project, 1, BACKUPS);
    await seedClients(user, project, 1, CLIENTS);
    for (const other of others) {
      await seedBackups(other, project, 1, OTHERS_EACH);
      await seedClients(other, project, 1, OTHERS_EACH);
    }
    await db.query('ANALYZE backups');
    await db.query('ANALYZE clients');
    app = await createTestApp();
  }, SEED_TIMEOUT_MS);

  afterAll(async () => {
    await app?.close();
    await db.query('DELETE FROM backups WHERE owner_id = ANY($1)', [[user, ...others]]);
    await db.query('DELETE FROM clients WHERE owner_id = ANY($1)', [[user, ...others]]);
    await db.end();
  }, SEED_TIMEOUT_MS);

  function listQuery(table: string, spec: SearchSpec, search: JsonObject, query: Record<string, string> = {}): SqlQuery {
    return buildListQuery(table, spec, owner, { search: parseSearch(search), paging: parsePaging(query) });
  }

  async function explain({ sql, params }: SqlQuery): Promise<PlanNode[]> {
    const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    return planNodes(rows[0]['QUERY PLAN'][0].Plan);
  }

  function indexScans(nodes: PlanNode[]): string[] {
    return nodes
      .filter((node) => ['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'].includes(node['Node Type']))
      .map((node) => node['Index Name'] ?? '');
  }

  function seqScans(nodes: PlanNode[], table: string): PlanNode[] {
    return nodes.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === table);
  }

  // the query selects each document as JSON text, which the route sends as it is
  async function run({ sql, params }: SqlQuery): Promise<unknown[]> {
    const { rows } = await db.query<{ doc: string }>(sql, params);
    return rows.map((row) => JSON.parse(row.doc) as unknown);
  }

  async function viaHttp(path: string, search: object, query = ''): Promise<unknown> {
    const res = await request(app.getHttpServer())
      .get(`/v2/${project}/${path}${query}`)
      .set({ 'X-User-Id': user, 'X-Project-Id': project, 'X-Identity-Status': 'Confirmed' })
      .send(search);
    expect(res.status).toBe(200);
    return res.body;
  }

  describe('GET /v2/:project_id/backups', () => {
    it('searches a backup name through the promoted column\'s GIN index, with no Seq Scan', async () => {
      const search = { match: [{ backup_name: 'job-00042' }] };
      const query = listQuery('backups', BACKUP_SEARCH, search);
      const nodes = await explain(query);
      expect(seqScans(nodes, 'backups')).toEqual([]);
      expect(indexScans(nodes)).toContain('backups_promoted');
      const docs = await run(query);
      expect(docs).toHaveLength(BACKUPS / NAMES);
      expect(docs).toEqual(expect.arrayContaining([expect.objectContaining({ backup_metadata: expect.objectContaining({ backup_name: 'job-00042' }) })]));
      // the route answers what this SQL answers
      await expect(viaHttp('backups', search)).resolves.toEqual({ backups: docs });
    });

    // PostgreSQL estimates a value that is one of the column statistics' histogram bounds at a
    // bound's share of the table (1%); with a LIMIT the planner then walks the creation-order
    // index row by row, which took seconds at a million backups. See promotedContains.
    it('estimates a backup name that is a histogram bound of the statistics near its real count, and searches it through the GIN index', async () => {
      const { rows } = await db.query<{ bounds: string[] | null }>(
        `SELECT histogram_bounds::text::text[] AS bounds FROM pg_stats WHERE tablename = 'backups' AND attname = 'backup_name'`,
      );
      const ours = (rows[0]?.bounds ?? [])
        .map((bound) => JSON.parse(bound) as unknown)
        .filter((bound): bound is [string] => Array.isArray(bound) && bound.length === 1 && /^job-\d{5}$/.test(String(bound[0])));
      expect(ours.length).toBeGreaterThan(2);
      // the estimate ignores the first and the last bound: take one from the middle
      const search = { match: [{ backup_name: ours[Math.floor(ours.length / 2)][0] }] };
      const query = listQuery('backups', BACKUP_SEARCH, search);
      const nodes = await explain(query);
      expect(indexScans(nodes)).toEqual(['backups_promoted']);
      const scan = nodes.find((node) => node['Node Type'] === 'Bitmap Index Scan')!;
      // 4 rows really match; the bare condition was estimated at 1% of the table (200 or more)
      expect(scan['Plan Rows']).toBeLessThan(40);
      await expect(run(query)).resolves.toHaveLength(BACKUPS / NAMES);
    });

    it('searches a backup name as free text (freezer backup-list --search) through the trigram index', async () => {
      const search = { match: [{ _all: 'JOB-01234' }] };
      const query = listQuery('backups', BACKUP_SEARCH, search, { limit: '100' });
      const nodes = await explain(query);
      expect(seqScans(nodes, 'backups')).toEqual([]);
      expect(indexScans(nodes)).toContain('backups_doc_text');
      const docs = await run(query);
      expect(docs).toHaveLength(BACKUPS / NAMES);
      await expect(viaHttp('backups', search, '?limit=100')).resolves.toEqual({ backups: docs });
    });

    // Most trigrams of a host name are in every backup (node-, .example.com), and the trigram scan
    // reads all their posting lists: it grew 14x from 20k to a million backups. A whole word of the
    // term (the host's number) is rare. See freeTextCondition.
    it('searches free text holding a whole word (a host, freezer backup-list --search) through the word index, not the trigram one', async () => {
      const search = { match: [{ _all: 'NODE-0042.example' }] };
      const query = listQuery('backups', BACKUP_SEARCH, search, { limit: '100' });
      const nodes = await explain(query);
      expect(seqScans(nodes, 'backups')).toEqual([]);
      expect(indexScans(nodes)).toEqual(['backups_text_words']);
      const docs = await run(query);
      // the same rows, in the same order, as ILIKE alone over the owner's backups
      const { rows } = await db.query<{ doc: string }>(
        `SELECT doc::text AS doc FROM backups WHERE owner_id = $1 AND search_text ILIKE $2 ORDER BY created_at, id LIMIT 100`,
        [owner.ownerId, '%NODE-0042.example%'],
      );
      expect(docs).toHaveLength(BACKUPS / 1000);
      expect(docs).toEqual(rows.map((row) => JSON.parse(row.doc) as unknown));
      await expect(viaHttp('backups', search, '?limit=100')).resolves.toEqual({ backups: docs });
    });

    it('searches a generic key (backup_id, as the web UI does) through the leaf-pairs GIN index', async () => {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM backups WHERE owner_id = $1 ORDER BY created_at OFFSET 777 LIMIT 1', [user]);
      const search = { match: [{ backup_id: rows[0].id }] };
      const query = listQuery('backups', BACKUP_SEARCH, search, { limit: '1' });
      const nodes = await explain(query);
      expect(seqScans(nodes, 'backups')).toEqual([]);
      expect(indexScans(nodes)).toContain('backups_leaf_pairs');
      await expect(run(query)).resolves.toEqual([expect.objectContaining({ backup_id: rows[0].id })]);
    });
  });

  describe('GET /v2/:project_id/clients', () => {
    it('looks a client up by client_id through the promoted column\'s GIN index', async () => {
      const clientId = `${project}_node-4242.example.com`;
      const search = { match: [{ client_id: clientId }] };
      const query = listQuery('clients', CLIENT_SEARCH, search);
      const nodes = await explain(query);
      expect(seqScans(nodes, 'clients')).toEqual([]);
      expect(indexScans(nodes)).toContain('clients_promoted');
      const docs = await run(query);
      expect(docs).toEqual([expect.objectContaining({ client: expect.objectContaining({ client_id: clientId }) })]);
      await expect(viaHttp('clients', search)).resolves.toEqual({ clients: docs });
    });

    it('looks a client up by uuid, as a match and as the web UI\'s _all search, through an index', async () => {
      const { rows } = await db.query<{ uuid: string }>(`SELECT md5('uuid' || $1 || 3141) AS uuid`, [user]);
      const uuid = rows[0].uuid;
      const expected = [expect.objectContaining({ client: expect.objectContaining({ uuid, client_id: `${project}_node-3141.example.com` }) })];

      const byMatch = listQuery('clients', CLIENT_SEARCH, { match: [{ uuid }] });
      const matchNodes = await explain(byMatch);
      expect(seqScans(matchNodes, 'clients')).toEqual([]);
      expect(indexScans(matchNodes)).toContain('clients_promoted');
      await expect(run(byMatch)).resolves.toEqual(expected);

      const byText = listQuery('clients', CLIENT_SEARCH, { match: [{ _all: uuid }] }, { limit: '500' });
      const textNodes = await explain(byText);
      expect(seqScans(textNodes, 'clients')).toEqual([]);
      expect(indexScans(textNodes)).toContain('clients_doc_text');
      const docs = await run(byText);
      expect(docs).toEqual(expected);
      await expect(viaHttp('clients', { match: [{ _all: uuid }] }, '?limit=500')).resolves.toEqual({ clients: docs });
    });
  });
});
