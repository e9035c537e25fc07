// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Owner } from '../../common/auth/request-context.js';
import type { JsonText } from '../../common/json/json-text.js';
import { insertDocument, updateDocument, updateDocumentAt, upsertDocument } from '../../common/ownership/document-writes.js';
import {
  deleteDocument,
  getDocument,
  getDocumentText,
  type ListRequest,
  listDocuments,
  ownerConditions,
  type Queryable,
  type StoredDocument,
  type StoredText,
} from '../../common/ownership/owned-documents.js';
import type { SearchSpec } from '../../common/search/search-sql.js';
import { SqlParams } from '../../common/search/sql-params.js';
import { queryRows } from '../../database/prepared-statements.js';
import type { SessionDocument } from './session-document.js';

const TABLE = 'sessions';
// the database's clock in epoch seconds (D12)
const DATABASE_NOW = 'floor(extract(epoch FROM now()))::bigint';

export const SESSION_SEARCH: SearchSpec = { docColumn: 'doc', promotedKeys: { status: 'status' } };

// What a replace never overwrites (D13).
const MEMBERSHIP = ['jobs', 'session_tag'] as const;

// Every method takes the connection to use: the data source, or a transaction's manager.
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() readonly db: DataSource) {}

  insert(owner: Owner, doc: SessionDocument, db: Queryable = this.db): Promise<boolean> {
    return insertDocument(db, TABLE, owner, doc.session_id, doc);
  }

  get(owner: Owner, id: string, db: Queryable = this.db, lock = false): Promise<StoredDocument<SessionDocument> | null> {
    return getDocument<SessionDocument>(db, TABLE, owner, id, lock);
  }

  // the document as JSON text, for an answer
  getText(owner: Owner, id: string): Promise<StoredText | null> {
    return getDocumentText(this.db, TABLE, owner, id);
  }

  // the documents as JSON text
  list(owner: Owner, request: ListRequest): Promise<JsonText[]> {
    return listDocuments(this.db, TABLE, SESSION_SEARCH, owner, request);
  }

  // Without a lock: null when another write came first (see updateDocumentAt).
  updateAt(owner: Owner, doc: SessionDocument, version: number): Promise<number | null> {
    return updateDocumentAt(this.db, TABLE, owner, doc.session_id, doc, version);
  }

  update(owner: Owner, doc: SessionDocument, db: Queryable): Promise<number> {
    return updateDocument(db, TABLE, owner, doc.session_id, doc);
  }

  upsertKeepingMembership(owner: Owner, doc: SessionDocument, db: Queryable): Promise<number | null> {
    return upsertDocument(db, TABLE, owner, doc.session_id, doc, MEMBERSHIP);
  }

  remove(owner: Owner, id: string, db: Queryable): Promise<boolean> {
    return deleteDocument(db, TABLE, owner, id);
  }

  // The session and the database clock in one statement, without a lock.
  async getWithClock(owner: Owner, id: string): Promise<{ current: StoredDocument<SessionDocument> | null; now: number }> {
    const params = new SqlParams();
    const conditions = [...ownerConditions(owner, params), `id = ${params.add(id)}`];
    const rows = await queryRows<StoredDocument<SessionDocument> & { now: string }>(
      this.db,
      `SELECT s.doc, s.version, c.now FROM (SELECT ${DATABASE_NOW} AS now) c LEFT JOIN ${TABLE} s ON ${conditions.join(' AND ')}`,
      params.values,
    );
    const row = rows[0];
    return { current: row.doc === null ? null : { doc: row.doc, version: row.version }, now: Number(row.now) };
  }

  // The database clock (D12): every API process agrees on hold-off windows.
  async now(db: Queryable): Promise<number> {
    const rows = await db.query<Array<{ now: string }>>(`SELECT ${DATABASE_NOW} AS now`);
    return Number(rows[0].now);
  }
}
