// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Owner } from '../../common/auth/request-context.js';
import type { JsonText } from '../../common/json/json-text.js';
import { removeDocument, updateDocument } from '../../common/ownership/document-writes.js';
import {
  getDocument,
  getDocumentText,
  type ListRequest,
  listDocuments,
  type StoredText,
} from '../../common/ownership/owned-documents.js';
import type { SearchSpec } from '../../common/search/search-sql.js';
import type { ClientDocument } from './client-document.js';

const TABLE = 'clients';

export const CLIENT_SEARCH: SearchSpec = {
  docColumn: 'doc',
  promotedKeys: { client_id: 'client_id', uuid: 'uuid' },
};

@Injectable()
export class ClientsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  // False when the owner already has a client with this id.
  async insert(owner: Owner, doc: ClientDocument): Promise<boolean> {
    const rows = await this.db.query<unknown[]>(
      `INSERT INTO clients (owner_id, id, project_id, user_id, doc) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (owner_id, id) DO NOTHING RETURNING 1`,
      [owner.ownerId, doc.client.client_id, doc.project_id, doc.user_id, doc],
    );
    return rows.length > 0;
  }

  // Rewrites the owner's client under a row lock with what `change` makes of it (null: nothing to
  // change). False when the owner has no such client (in this project, on v2).
  update(owner: Owner, id: string, change: (stored: ClientDocument) => ClientDocument | null): Promise<boolean> {
    return this.db.transaction(async (em) => {
      const current = await getDocument<ClientDocument>(em, TABLE, owner, id, true);
      if (!current) return false;
      const next = change(current.doc);
      if (next !== null) await updateDocument(em, TABLE, owner, id, next);
      return true;
    });
  }

  // the document as JSON text, for an answer
  getText(owner: Owner, id: string): Promise<StoredText | null> {
    return getDocumentText(this.db, TABLE, owner, id);
  }

  // the documents as JSON text
  list(owner: Owner, request: ListRequest): Promise<JsonText[]> {
    return listDocuments(this.db, TABLE, CLIENT_SEARCH, owner, request);
  }

  remove(owner: Owner, id: string, ifMatch: string | undefined): Promise<boolean> {
    return removeDocument(this.db, TABLE, owner, id, ifMatch);
  }
}
