// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Owner } from '../../common/auth/request-context.js';
import type { JsonText } from '../../common/json/json-text.js';
import { insertDocument, removeDocument, updateDocument, upsertDocument } from '../../common/ownership/document-writes.js';
import {
  getDocument,
  getDocumentText,
  type ListRequest,
  listDocuments,
  type Queryable,
  type StoredDocument,
  type StoredText,
} from '../../common/ownership/owned-documents.js';
import type { SearchSpec } from '../../common/search/search-sql.js';
import type { ActionDocument } from './action-document.js';

const TABLE = 'actions';

export const ACTION_SEARCH: SearchSpec = { docColumn: 'doc', promotedKeys: {} };

// Every method takes the connection to use: the data source, or a transaction's manager.
@Injectable()
export class ActionsRepository {
  constructor(@InjectDataSource() readonly db: DataSource) {}

  insert(owner: Owner, doc: ActionDocument, db: Queryable = this.db): Promise<boolean> {
    return insertDocument(db, TABLE, owner, doc.action_id, doc);
  }

  get(owner: Owner, id: string, db: Queryable = this.db, lock = false): Promise<StoredDocument<ActionDocument> | null> {
    return getDocument<ActionDocument>(db, TABLE, owner, id, lock);
  }

  // the document as JSON text, for an answer
  getText(owner: Owner, id: string): Promise<StoredText | null> {
    return getDocumentText(this.db, TABLE, owner, id);
  }

  // the documents as JSON text
  list(owner: Owner, request: ListRequest): Promise<JsonText[]> {
    return listDocuments(this.db, TABLE, ACTION_SEARCH, owner, request);
  }

  update(owner: Owner, doc: ActionDocument, db: Queryable): Promise<number> {
    return updateDocument(db, TABLE, owner, doc.action_id, doc);
  }

  upsert(owner: Owner, doc: ActionDocument, db: Queryable = this.db): Promise<number | null> {
    return upsertDocument(db, TABLE, owner, doc.action_id, doc);
  }

  remove(owner: Owner, id: string, ifMatch: string | undefined): Promise<boolean> {
    return removeDocument(this.db, TABLE, owner, id, ifMatch);
  }
}
