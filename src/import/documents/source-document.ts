// SPDX-License-Identifier: Apache-2.0
import { FreezerError } from '../../common/errors/freezer-errors.js';
import { checkStorable } from '../../common/http/json-body.js';
import { DocumentIdPipe } from '../../common/http/document-id.pipe.js';
import type { JsonObject, JsonValue } from '../../common/json/json.types.js';
import type { SourceRow } from '../source/source-database.js';

// One live row of the original made into this service's document: its id, owner columns,
// creation time (so that lists keep the original's order) and the document as GET answers it.
export interface SourceDocument {
  id: string;
  userId: string;
  projectId: string | null;
  // ISO 8601 UTC, or null when the original left it empty
  createdAt: string | null;
  updatedAt: string | null;
  doc: JsonObject;
}

// A row this service cannot take as it is, and why. The row is reported, never dropped silently.
export class RefusedRow extends Error {}

const idPipe = new DocumentIdPipe();

// The text the original keeps in a JSON column (json.dumps output), parsed; null stays null.
export function parseJsonColumn(row: SourceRow, column: string): JsonValue | null {
  const text = row[column];
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(String(text)) as JsonValue;
  } catch (error) {
    throw new RefusedRow(`${column}: JSON that does not parse (${(error as Error).message})`);
  }
}

export function textColumn(row: SourceRow, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined ? null : String(value);
}

export function integerColumn(row: SourceRow, column: string): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new RefusedRow(`${column}: ${String(value)} is not an integer`);
  return number;
}

// The original's naive UTC timestamps ('2026-12-05 06:20:03' or with microseconds).
export function utcColumn(row: SourceRow, column: string): string | null {
  const text = textColumn(row, column);
  if (text === null) return null;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)/.exec(text);
  if (!match) throw new RefusedRow(`${column}: "${text}" is not a timestamp`);
  return `${match[1]}T${match[2]}Z`;
}

export function isDeleted(row: SourceRow): boolean {
  const deleted = row.deleted;
  return deleted !== null && deleted !== undefined && Number(deleted) !== 0;
}

// The id and owner columns every table has, checked as the API checks them.
export function rowIdentity(row: SourceRow, idColumn = 'id'): Pick<SourceDocument, 'id' | 'userId' | 'projectId' | 'createdAt' | 'updatedAt'> {
  const id = textColumn(row, idColumn);
  const userId = textColumn(row, 'user_id');
  if (id === null || id === '') throw new RefusedRow(`${idColumn} is empty`);
  if (userId === null || userId === '') throw new RefusedRow('user_id is empty');
  try {
    idPipe.transform(id);
  } catch {
    throw new RefusedRow(`${idColumn}: not an id this service can store (control characters, invalid text or over 255 characters)`);
  }
  return {
    id,
    userId,
    projectId: textColumn(row, 'project_id'),
    createdAt: utcColumn(row, 'created_at'),
    updatedAt: utcColumn(row, 'updated_at'),
  };
}

// Runs the service's own validation and storability checks; their message becomes the reason.
export function validated(doc: JsonObject, validate: (doc: JsonObject) => void): JsonObject {
  try {
    checkStorable(doc);
    validate(doc);
  } catch (error) {
    if (error instanceof FreezerError) throw new RefusedRow(`refused by this service's validation: ${error.description}`);
    throw error;
  }
  return doc;
}
