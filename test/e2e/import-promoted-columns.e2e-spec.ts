// SPDX-License-Identifier: Apache-2.0
// The import computes the backups trigger's columns itself (src/modules/backups/backup-promoted-columns.ts);
// here both compute them for generated documents and must agree, column for column.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import type { JsonObject, JsonValue } from '../../src/common/json/json.types.js';
import { backupPromotedColumns } from '../../src/modules/backups/backup-promoted-columns.js';
import { testDatabaseUrl } from '../utils/test-database.js';

const OWNER = `promoted_${process.pid}_${Date.now().toString(36)}`;

// Keys the columns look for, at any depth, among others (some not ASCII, of every length).
const key = fc.oneof(
  fc.constantFrom('backup_name', 'hostname', 'host_name', 'container', 'level', 'time_stamp', 'timestamp', 'a', 'zz', 'é', 'ключ', '😀'),
  fc.string({ maxLength: 6 }),
);
const scalar = fc.oneof(
  { arbitrary: fc.string({ maxLength: 12 }).filter((s) => !s.includes('\u0000') && s.isWellFormed()), weight: 10 },
  { arbitrary: fc.constantFrom('node-1.example.com', ' 1700000000 ', '-12.5', '1e5', 'ünï ☃', ''), weight: 10 },
  { arbitrary: fc.integer(), weight: 10 },
  { arbitrary: fc.integer().map((n) => n / 64), weight: 10 },
  // printed with an exponent: such a document is left to the trigger
  { arbitrary: fc.constantFrom(1e21, 1e-7), weight: 1 },
  { arbitrary: fc.boolean(), weight: 5 },
  { arbitrary: fc.constant(null), weight: 5 },
);
const { value } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));
const backupDocument = fc.record({
  backup_id: fc.constant('x'),
  user_id: fc.constant('u'),
  user_name: fc.constant(null),
  project_id: fc.constant('p'),
  status: fc.constant('available'),
  backup_metadata: fc.dictionary(key, value, { maxKeys: 8 }),
}) as fc.Arbitrary<JsonObject>;

describe('the backups columns the import computes', () => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
  });

  afterAll(async () => {
    await client.query('DELETE FROM backups WHERE owner_id = $1', [OWNER]);
    await client.end();
  });

  it('equal what the trigger computes for the same document', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(backupDocument, { minLength: 1, maxLength: 25 }), async (docs) => {
        await client.query('DELETE FROM backups WHERE owner_id = $1', [OWNER]);
        const texts = docs.map((doc) => JSON.stringify(doc));
        // the trigger's own, as every API write makes them
        await client.query(
          `INSERT INTO backups (owner_id, id, user_id, doc) SELECT $1, 'd' || n, 'u', d::jsonb FROM unnest($2::text[]) WITH ORDINALITY AS x(d, n)`,
          [OWNER, texts],
        );
        const { rows } = await client.query(
          `SELECT doc::text AS doc, backup_name::text, hostname::text, host_name::text, container::text, level::text, search_text, time_stamp::text
             FROM backups WHERE owner_id = $1 ORDER BY substr(id, 2)::int`,
          [OWNER],
        );
        for (const [i, row] of rows.entries()) {
          // from the document as the importer holds it: parsed from the source's JSON text
          const mine = backupPromotedColumns(docs[i]!);
          if (mine === null) continue;
          compared++;
          // in PostgreSQL's text form, as the INSERT stores them
          const { rows: [stored] } = await client.query(
            `SELECT $1::jsonb::text AS backup_name, $2::jsonb::text AS hostname, $3::jsonb::text AS host_name,
                    $4::jsonb::text AS container, $5::jsonb::text AS level, $6::numeric::text AS time_stamp`,
            [mine.backup_name, mine.hostname, mine.host_name, mine.container, mine.level, mine.time_stamp],
          );
          expect({ doc: texts[i], ...stored, search_text: mine.search_text }).toEqual({
            doc: texts[i],
            backup_name: row.backup_name,
            hostname: row.hostname,
            host_name: row.host_name,
            container: row.container,
            level: row.level,
            search_text: row.search_text,
            time_stamp: row.time_stamp,
          });
        }
      }),
      { numRuns: 60 },
    );
    expect(compared).toBeGreaterThan(150);
  }, 120_000);
});
