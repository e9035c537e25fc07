// SPDX-License-Identifier: Apache-2.0
// A backup POST writes the search columns itself (the trigger stands aside for that statement):
// what it stores must be what the trigger computes for the same document, and nothing else may
// skip the trigger because a POST did.
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { JsonObject } from '../../src/common/json/json.types.js';
import { BackupInserts } from '../../src/modules/backups/backup-inserts.js';
import { backupPromotedColumns } from '../../src/modules/backups/backup-promoted-columns.js';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { rawExchange, rawRequest } from '../utils/raw-http.js';
import { listeningAppAndClient, storedAndRecomputed } from '../utils/promoted-columns.js';

const COLUMNS = 'backup_name, hostname, host_name, container, level, search_text, time_stamp';

describe('backup POST: the search columns', () => {
  const suite = listeningAppAndClient();

  async function post(identity: ReturnType<typeof newIdentity>, body: object): Promise<string> {
    const res = await request(suite.server).post(`/v2/${identity.projectId}/backups`).set(identityHeaders(identity)).send(body);
    expect(res.status).toBe(201);
    return res.body.backup_id as string;
  }

  const documents: Array<[string, object]> = [
    ['a freezer-agent document', buildBackupDoc({ backup_name: 'etc-nightly', hostname: 'node-1.example.com', level: 2 })],
    [
      'keys nested and repeated, text outside ASCII, a time stamp as text',
      {
        ...buildBackupDoc({ backup_name: 'données ☃', hostname: 'hôte-😀.example.com' }),
        time_stamp: ' 1700000123 ',
        nested: { container: ['c1', { level: 7 }], deeper: [{ backup_name: 'inner' }], host_name: null },
      },
    ],
    ['no time stamp at all, fractions elsewhere', { ...buildBackupDoc({ backup_name: 'bare', time_stamp: undefined }), extra: [1, 2.5, 'x', -0.125] }],
    // JavaScript prints 1e21 with an exponent, PostgreSQL without: the trigger computes this one
    ['a number JavaScript prints with an exponent', { ...buildBackupDoc({ backup_name: 'huge' }), size: 1e21, time_stamp: 1e21 }],
  ];

  it.each(documents)('%s: stored as the trigger computes it', async (_label, body) => {
    const identity = newIdentity();
    const id = await post(identity, body);
    const { stored, recomputed } = await storedAndRecomputed(suite.db, 'backups', COLUMNS, identity.userId, id);
    expect(stored).toEqual(recomputed);
    expect((stored as { search_text: string }).search_text).not.toBe('');
  });

  it('the columns stored are the ones the writer hands in: the trigger stands aside for them', async () => {
    const identity = newIdentity();
    const doc = { backup_id: `sentinel${Date.now()}`, user_id: identity.userId, user_name: null, project_id: identity.projectId, status: 'available', backup_metadata: buildBackupDoc({ backup_name: 'real-name' }) };
    const promoted = { ...backupPromotedColumns(doc as unknown as JsonObject)!, backup_name: '["sentinel"]' };
    const inserts = new BackupInserts(suite.app.get(DataSource));
    await Promise.all([
      inserts.insert({ ownerId: identity.userId, id: doc.backup_id, projectId: identity.projectId, userId: identity.userId, doc, promoted }),
      inserts.insert({ ownerId: identity.userId, id: `${doc.backup_id}b`, projectId: identity.projectId, userId: identity.userId, doc, promoted }),
    ]);
    const { rows } = await suite.db.query(`SELECT backup_name FROM backups WHERE owner_id = $1 ORDER BY id`, [identity.userId]);
    expect(rows).toEqual([{ backup_name: ['sentinel'] }, { backup_name: ['sentinel'] }]);
  });

  it('a POST leaves the trigger on for the writes that follow it', async () => {
    const identity = newIdentity();
    const id = await post(identity, buildBackupDoc({ backup_name: 'first' }));
    // POSTs, then a PATCH (which leaves the columns to the trigger) on a connection they used
    for (let i = 0; i < 12; i++) {
      await post(identity, buildBackupDoc({ backup_name: `warm-${i}` }));
    }
    const change = await request(suite.server)
      .patch(`/v2/${identity.projectId}/backups/${id}`)
      .set(identityHeaders(identity))
      .send({ backup_metadata: { backup_name: 'renamed' } });
    expect(change.status).toBe(200);
    const { rows } = await suite.db.query(`SELECT backup_name FROM backups WHERE owner_id = $1 AND id = $2`, [identity.userId, id]);
    expect(rows[0].backup_name).toEqual(['renamed']);
    const found = await request(suite.server).get(`/v2/${identity.projectId}/backups`).set(identityHeaders(identity)).send({ match: [{ backup_name: 'renamed' }] });
    expect(found.body.backups.map((backup: { backup_id: string }) => backup.backup_id)).toEqual([id]);
  });

  // POSTs that arrive together are written by one statement
  it('forty POSTs at once: each answered 201, each stored with its own columns', async () => {
    const identity = newIdentity();
    const bodies = Array.from({ length: 40 }, (_, i) => buildBackupDoc({ backup_name: `together-${i}`, hostname: `node-${i % 7}.example.com`, time_stamp: 1700000000 + i }));
    const ids = await Promise.all(bodies.map((body) => post(identity, body)));
    expect(new Set(ids).size).toBe(40);
    const { rows } = await suite.db.query(
      `SELECT id, backup_name, hostname, time_stamp::float8 AS time_stamp, doc #>> '{backup_metadata,backup_name}' AS name FROM backups WHERE owner_id = $1`,
      [identity.userId],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    ids.forEach((id, i) => {
      expect(byId.get(id)).toEqual({ id, backup_name: [`together-${i}`], hostname: [`node-${i % 7}.example.com`], time_stamp: 1700000000 + i, name: `together-${i}` });
    });
    for (const id of ids.slice(0, 3)) {
      const { stored, recomputed } = await storedAndRecomputed(suite.db, 'backups', COLUMNS, identity.userId, id);
      expect(stored).toEqual(recomputed);
    }
  });

  // POSTs pipelined on one connection and sent in one write: the service reads them in one go
  async function pipelined(identity: ReturnType<typeof newIdentity>, bodies: object[]): Promise<Array<{ status: number; body: unknown }>> {
    const headers = Object.entries({ Host: '127.0.0.1', ...identityHeaders(identity), 'Content-Type': 'application/json' }) as Array<[string, string]>;
    const requests = bodies.map((body, i) =>
      rawRequest('POST', `/v2/${identity.projectId}/backups`, [...headers, ['Connection', i === bodies.length - 1 ? 'close' : 'keep-alive']], Buffer.from(JSON.stringify(body))),
    );
    const { answers } = await rawExchange((suite.server.address() as { port: number }).port, [Buffer.concat(requests)], { waitMs: 15_000 });
    return answers.map((answer) => ({ status: answer.status, body: JSON.parse(answer.body) as unknown }));
  }

  it('POSTs read together are written by one statement (one transaction)', async () => {
    const identity = newIdentity();
    const bodies = Array.from({ length: 20 }, (_, i) => buildBackupDoc({ backup_name: `one-go-${i}`, hostname: `node-${19 - i}.example.com` }));
    const answers = await pipelined(identity, bodies);
    expect(answers.map(({ status }) => status)).toEqual(bodies.map(() => 201));
    const { rows } = await suite.db.query(`SELECT count(*)::int AS rows, count(DISTINCT xmin::text)::int AS transactions FROM backups WHERE owner_id = $1`, [identity.userId]);
    expect(rows[0].rows).toBe(20);
    expect(rows[0].transactions).toBeLessThan(20);
  });

  it('a row the database refuses fails its own POST only; the others arriving with it are written', async () => {
    const identity = newIdentity();
    const poison = `poison-${identity.userId}`;
    // a rule of the table that only this row breaks, as a row too large for an index would
    await suite.db.query(`ALTER TABLE backups ADD CONSTRAINT backups_test_poison CHECK (backup_name <> '["${poison}"]'::jsonb) NOT VALID`);
    try {
      const bodies = Array.from({ length: 20 }, (_, i) => buildBackupDoc({ backup_name: i === 7 ? poison : `fine-${i}` }));
      // a batch that fails is written again row by row
      const answers = await pipelined(identity, bodies);
      expect(answers).toHaveLength(20);
      expect(answers[7]!.body).toEqual({ title: expect.any(String), description: expect.any(String) });
      expect(JSON.stringify(answers[7]!.body)).not.toMatch(/backups_test_poison|INSERT|constraint/i);
      const { rows } = await suite.db.query(`SELECT doc #>> '{backup_metadata,backup_name}' AS name FROM backups WHERE owner_id = $1 ORDER BY 1`, [identity.userId]);
      expect(rows.map((row) => row.name)).toEqual(bodies.filter((_, i) => i !== 7).map((body) => body.backup_name).sort());
    } finally {
      await suite.db.query(`ALTER TABLE backups DROP CONSTRAINT backups_test_poison`);
    }
  });
});
