// SPDX-License-Identifier: Apache-2.0
import { queryRows, queryShapedRows } from '../../database/prepared-statements.js';
import { InvalidParameterError } from '../errors/freezer-errors.js';
import type { Paging } from '../http/list-query.js';
import type { JsonText } from '../json/json-text.js';
import type { JsonObject } from '../json/json.types.js';
import type { Owner } from '../auth/request-context.js';
import type { SearchDocument } from '../search/search-document.js';
import { compileSearch, type SearchSpec } from '../search/search-sql.js';
import { SqlParams } from '../search/sql-params.js';

// Anything that runs SQL: the DataSource, or the EntityManager of an open transaction.
export interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

// Every table of documents has the same owner columns (D4): owner_id, id, project_id.
export function ownerConditions(owner: Owner, params: SqlParams): string[] {
  const conditions = [`owner_id = ${params.add(owner.ownerId)}`];
  if (owner.projectFilter !== null) conditions.push(`project_id = ${params.add(owner.projectFilter)}`);
  return conditions;
}

// What a read covers: the owner's documents, or every owner's in every project (jobs read with
// ?all_projects=true by a caller the policy allows). Writes take an Owner only.
export const EVERY_PROJECT = { everyProject: true } as const;
export type ReadScope = Owner | typeof EVERY_PROJECT;

function scopeConditions(scope: ReadScope, params: SqlParams): string[] {
  return 'everyProject' in scope ? ['TRUE'] : ownerConditions(scope, params);
}

export interface ListRequest {
  search: SearchDocument;
  paging: Paging;
}

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

// The text of the query listDocuments runs for one page: pure, so that a test can EXPLAIN exactly
// what the repositories send. It assumes a marker was already checked to be one of the owner's ids.
export function buildListQuery(table: string, spec: SearchSpec, scope: ReadScope, { search, paging }: ListRequest): SqlQuery {
  const params = new SqlParams();
  const owned = scopeConditions(scope, params);
  const conditions = [...owned];
  if (paging.marker !== null) {
    // across owners an id may occur more than once: the first of them
    const first = 'everyProject' in scope ? ' ORDER BY created_at, id LIMIT 1' : '';
    conditions.push(
      // inside the sub-select the column names refer to the marker row
      `(created_at, id) > (SELECT created_at, id FROM ${table} WHERE ${owned.join(' AND ')} AND id = ${params.add(paging.marker)}${first})`,
    );
  }
  conditions.push(...compileSearch(search, spec, params, owned.join(' AND ')));
  const sql = `SELECT doc::text AS doc FROM ${table} WHERE ${conditions.join(' AND ')}
      ORDER BY created_at, id LIMIT ${params.add(paging.limit)} OFFSET ${params.add(paging.offset)}`;
  return { sql, params: params.values };
}

// One page of the owner's documents matching the search, filtered and paged inside PostgreSQL,
// in creation order (D9, D10), each as its JSON text (see json-text.ts). `table` and the spec's
// columns are constants of the calling repository, never input.
export async function listDocuments(
  db: Queryable,
  table: string,
  spec: SearchSpec,
  scope: ReadScope,
  request: ListRequest,
): Promise<JsonText[]> {
  const { marker } = request.paging;
  if (marker !== null) {
    const params = new SqlParams();
    const owned = scopeConditions(scope, params);
    const found = await db.query<unknown[]>(
      `SELECT 1 FROM ${table} WHERE ${owned.join(' AND ')} AND id = ${params.add(marker)}`,
      params.values,
    );
    if (found.length === 0) throw new InvalidParameterError('marker', 'The value must be the id of one of your documents.');
  }
  const { sql, params } = buildListQuery(table, spec, scope, request);
  const rows = await queryShapedRows<{ doc: JsonText }>(db, sql, params);
  return rows.map((row) => row.doc);
}

export interface StoredDocument<T extends JsonObject = JsonObject> {
  doc: T;
  version: number;
}

export interface StoredText {
  text: JsonText;
  version: number;
}

export async function getDocument<T extends JsonObject>(
  db: Queryable,
  table: string,
  owner: Owner,
  id: string,
  lock = false,
): Promise<StoredDocument<T> | null> {
  const params = new SqlParams();
  const conditions = [...ownerConditions(owner, params), `id = ${params.add(id)}`];
  const rows = await queryRows<StoredDocument<T>>(
    db,
    `SELECT doc, version FROM ${table} WHERE ${conditions.join(' AND ')}${lock ? ' FOR UPDATE' : ''}`,
    params.values,
  );
  return rows[0] ?? null;
}

// The stored document as it goes out in an answer: JSON text (see json-text.ts), and its version.
export async function getDocumentText(db: Queryable, table: string, owner: Owner, id: string): Promise<StoredText | null> {
  const params = new SqlParams();
  const conditions = [...ownerConditions(owner, params), `id = ${params.add(id)}`];
  const rows = await queryRows<StoredText>(db, `SELECT doc::text AS text, version FROM ${table} WHERE ${conditions.join(' AND ')}`, params.values);
  return rows[0] ?? null;
}

// The document with this id in any project: the owner's own when it has one, else the oldest.
export async function getDocumentTextAnywhere(db: Queryable, table: string, owner: Owner, id: string): Promise<StoredText | null> {
  const params = new SqlParams();
  const own = ownerConditions(owner, params).join(' AND ');
  const rows = await db.query<StoredText[]>(
    `SELECT doc::text AS text, version FROM ${table} WHERE id = ${params.add(id)} ORDER BY (${own}) DESC, created_at LIMIT 1`,
    params.values,
  );
  return rows[0] ?? null;
}

export async function deleteDocument(db: Queryable, table: string, owner: Owner, id: string): Promise<boolean> {
  const params = new SqlParams();
  const conditions = [...ownerConditions(owner, params), `id = ${params.add(id)}`];
  // TypeORM answers a DELETE with [rows, rowCount]
  const [, count] = await db.query<[unknown[], number]>(`DELETE FROM ${table} WHERE ${conditions.join(' AND ')}`, params.values);
  return count > 0;
}
