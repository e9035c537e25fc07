// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { queryRows, queryShapedRows, usePreparedStatements } from '../../src/database/prepared-statements.js';
import { buildTypeOrmOptions } from '../../src/database/typeorm.options.js';
import { isEmbeddedDatabase, testDatabaseUrl } from '../utils/test-database.js';

// One connection, so that the statements a query prepared are visible to the next one.
async function singleConnection(prepared: boolean): Promise<DataSource> {
  const dataSource = await new DataSource(buildTypeOrmOptions({ poolSize: 1, statementTimeoutMs: 0 }, testDatabaseUrl())).initialize();
  if (prepared) usePreparedStatements(dataSource);
  return dataSource;
}

const SQL = 'SELECT $1::int + 1 AS n';

describe('prepared statements (DB_PREPARED_STATEMENTS)', () => {
  let prepared: DataSource;
  let plain: DataSource;
  beforeAll(async () => {
    prepared = await singleConnection(true);
    plain = await singleConnection(false);
  });
  afterAll(async () => {
    await prepared?.destroy();
    await plain?.destroy();
  });

  const statements = async (dataSource: DataSource) =>
    (await dataSource.query<Array<{ statement: string }>>('SELECT statement FROM pg_prepared_statements')).map((row) => row.statement);

  it('runs a hot-path statement as a named statement, once prepared per connection', async () => {
    if (isEmbeddedDatabase()) throw new Error('needs a PostgreSQL server: the embedded database runs without prepared statements');
    await expect(queryRows(prepared, SQL, [1])).resolves.toEqual([{ n: 2 }]);
    await expect(queryRows(prepared, SQL, [41])).resolves.toEqual([{ n: 42 }]);
    expect(await statements(prepared)).toEqual([SQL]);
  });

  it('inside a transaction, on the transaction connection', async () => {
    const answer = await prepared.transaction(async (em) => {
      await em.query('CREATE TEMP TABLE t (v int) ON COMMIT DROP');
      await queryRows(em, 'INSERT INTO t VALUES ($1)', [7]);
      const rows = await queryRows<{ v: number }>(em, 'UPDATE t SET v = v + 1 RETURNING v', []);
      const named = await em.query<Array<{ statement: string }>>('SELECT statement FROM pg_prepared_statements ORDER BY statement');
      return { rows, named: named.map((row) => row.statement) };
    });
    expect(answer).toEqual({ rows: [{ v: 8 }], named: ['INSERT INTO t VALUES ($1)', SQL, 'UPDATE t SET v = v + 1 RETURNING v'] });
  });

  it('names a bounded number of shaped texts: past the bound, a new one runs unnamed and answers the same; fixed texts stay named', async () => {
    // a search's text follows the shape of its body, which clients choose
    const texts = Array.from({ length: 150 }, (_, i) => `SELECT $1::int + ${i} AS n /* shape ${i} */`);
    const before = (await statements(prepared)).length;
    for (const [i, text] of texts.entries()) await expect(queryShapedRows(prepared, text, [1])).resolves.toEqual([{ n: 1 + i }]);
    const named = await statements(prepared);
    expect(named.length - before).toBeGreaterThan(50);
    expect(named.length - before).toBeLessThanOrEqual(100);
    // one already named stays named
    await expect(queryShapedRows(prepared, texts[0]!, [2])).resolves.toEqual([{ n: 2 }]);
    expect(await statements(prepared)).toEqual(named);
    // a fixed text seen only now is named all the same
    const fixed = 'SELECT $1::int * 2 AS n';
    await expect(queryRows(prepared, fixed, [21])).resolves.toEqual([{ n: 42 }]);
    expect(await statements(prepared)).toContain(fixed);
  });

  it('sends plain statements when they are off, and answers the same rows', async () => {
    await expect(queryRows(plain, SQL, [1])).resolves.toEqual([{ n: 2 }]);
    const updated = await plain.transaction(async (em) => {
      await em.query('CREATE TEMP TABLE t (v int) ON COMMIT DROP');
      await em.query('INSERT INTO t VALUES (1), (2)');
      // TypeORM answers an UPDATE with [rows, count]; queryRows gives the rows
      return queryRows<{ v: number }>(em, 'UPDATE t SET v = v * 10 RETURNING v', []);
    });
    expect(updated).toEqual([{ v: 10 }, { v: 20 }]);
    expect(await statements(plain)).toEqual([]);
  });
});
