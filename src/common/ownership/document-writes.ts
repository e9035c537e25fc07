// SPDX-License-Identifier: Apache-2.0
import type { DataSource } from 'typeorm';
import { queryRows } from '../../database/prepared-statements.js';
import type { Owner } from '../auth/request-context.js';
import { checkIfMatch } from '../http/if-match.js';
import type { JsonObject } from '../json/json.types.js';
import { SqlParams } from '../search/sql-params.js';
import { deleteDocument, getDocument, ownerConditions, type Queryable, type StoredText } from './owned-documents.js';

// Writes shared by the collections that can change a document (actions, jobs, sessions). Each
// bumps the version (D6). `table` is a constant of the calling repository, never input.

// False when the owner already holds the id.
export async function insertDocument(db: Queryable, table: string, owner: Owner, id: string, doc: JsonObject): Promise<boolean> {
  const rows = await queryRows<unknown>(
    db,
    `INSERT INTO ${table} (owner_id, id, project_id, user_id, doc) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (owner_id, id) DO NOTHING RETURNING 1`,
    [owner.ownerId, id, owner.projectId, owner.userId, doc],
  );
  return rows.length > 0;
}

// Replaces the document of a row the caller has locked; returns the new version.
export async function updateDocument(db: Queryable, table: string, owner: Owner, id: string, doc: JsonObject): Promise<number> {
  const version = await replaceDocument(db, table, owner, id, doc, null);
  if (version === null) throw new Error(`${table} ${id} vanished while locked`);
  return version;
}

// Replaces the document if it is still at `version`, with no lock held: the write of an optimistic
// read-decide-write. Returns the new version, or null when another write came in between (or the
// row is gone); the caller then decides again under a lock.
export function updateDocumentAt(db: Queryable, table: string, owner: Owner, id: string, doc: JsonObject, version: number): Promise<number | null> {
  return replaceDocument(db, table, owner, id, doc, version);
}

// Like updateDocument, answering the new document as its JSON text (what a GET would answer: a
// trigger may have added to it) with its version.
export async function updateDocumentText(db: Queryable, table: string, owner: Owner, id: string, doc: JsonObject): Promise<StoredText> {
  const [row] = await writeDocument<StoredText>(db, table, owner, id, doc, null, 'doc::text AS text, version');
  if (row === undefined) throw new Error(`${table} ${id} vanished while locked`);
  return row;
}

// The UPDATE of both: with `expected`, only a row still at that version. The new version, or null
// when no row was written.
async function replaceDocument(
  db: Queryable,
  table: string,
  owner: Owner,
  id: string,
  doc: JsonObject,
  expected: number | null,
): Promise<number | null> {
  const [row] = await writeDocument<{ version: number }>(db, table, owner, id, doc, expected, 'version');
  return row?.version ?? null;
}

async function writeDocument<T>(
  db: Queryable,
  table: string,
  owner: Owner,
  id: string,
  doc: JsonObject,
  expected: number | null,
  returning: string,
): Promise<T[]> {
  const params = new SqlParams([doc]);
  const conditions = [...ownerConditions(owner, params), `id = ${params.add(id)}`];
  if (expected !== null) conditions.push(`version = ${params.add(expected)}`);
  return queryRows<T>(
    db,
    `UPDATE ${table} SET doc = $1, version = version + 1, updated_at = clock_timestamp()
      WHERE ${conditions.join(' AND ')} RETURNING ${returning}`,
    params.values,
  );
}

// Creates the document, or replaces the owner's document with that id (D8): one statement, so
// two racing replaces both succeed and the last one wins. `preserve` names top-level keys the
// stored document keeps whatever the new one says (a session's membership, D13). Returns the
// version, or null when the id belongs to the same owner in another project (v2, scope user: D4).
export async function upsertDocument(
  db: Queryable,
  table: string,
  owner: Owner,
  id: string,
  doc: JsonObject,
  preserve: readonly string[] = [],
): Promise<number | null> {
  const params = new SqlParams([owner.ownerId, id, owner.projectId, owner.userId, doc]);
  const kept = preserve.map((key) => {
    const name = params.add(key);
    return `${name}::text, ${table}.doc -> ${name}::text`;
  });
  const newDoc = kept.length === 0 ? 'EXCLUDED.doc' : `EXCLUDED.doc || jsonb_build_object(${kept.join(', ')})`;
  // v1 has no project in its URL and writes the caller's project (D4); v2 never crosses projects.
  const sameProject = owner.projectFilter === null ? '' : `WHERE ${table}.project_id IS NOT DISTINCT FROM EXCLUDED.project_id`;
  const rows = await db.query<Array<{ version: number }>>(
    `INSERT INTO ${table} (owner_id, id, project_id, user_id, doc) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (owner_id, id) DO UPDATE
       SET doc = ${newDoc}, project_id = EXCLUDED.project_id, user_id = EXCLUDED.user_id,
           version = ${table}.version + 1, updated_at = clock_timestamp()
       ${sameProject}
     RETURNING version`,
    params.values,
  );
  return rows[0]?.version ?? null;
}

// A hard delete (D17). With If-Match, under a row lock, so that the check and the delete see the
// same version (D6).
export function removeDocument(db: DataSource, table: string, owner: Owner, id: string, ifMatch: string | undefined): Promise<boolean> {
  if (ifMatch === undefined) return deleteDocument(db, table, owner, id);
  return db.transaction(async (em) => {
    const current = await getDocument(em, table, owner, id, true);
    if (!current) return false;
    checkIfMatch(ifMatch, current.version);
    return deleteDocument(em, table, owner, id);
  });
}
