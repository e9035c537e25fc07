// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Owner } from '../../common/auth/request-context.js';
import type { JsonText } from '../../common/json/json-text.js';
import { queryRows } from '../../database/prepared-statements.js';
import { checkIfMatch } from '../../common/http/if-match.js';
import { jsonEqual } from '../../common/json/json-equal.js';
import { removeDocument, updateDocumentText } from '../../common/ownership/document-writes.js';
import {
  getDocument,
  getDocumentText,
  type ListRequest,
  listDocuments,
  type StoredText,
} from '../../common/ownership/owned-documents.js';
import type { SearchSpec } from '../../common/search/search-sql.js';
import type { BackupDocument } from './backup-document.js';
import { BackupInserts } from './backup-inserts.js';
import { backupPromotedColumns } from './backup-promoted-columns.js';

const TABLE = 'backups';

export const BACKUP_SEARCH: SearchSpec = {
  docColumn: 'doc',
  promotedKeys: { backup_name: 'backup_name', hostname: 'hostname', host_name: 'host_name', container: 'container', level: 'level' },
  timeColumn: 'time_stamp',
  textColumn: 'search_text',
  textWordsIndexed: true,
};

@Injectable()
export class BackupsRepository {
  private readonly inserts: BackupInserts;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.inserts = new BackupInserts(db);
  }

  // The search columns are computed here, where the document is at hand, instead of by the table's
  // trigger walking it again in PL/pgSQL; a document JavaScript cannot mirror exactly (see
  // backupPromotedColumns) is left to the trigger.
  async insert(owner: Owner, doc: BackupDocument): Promise<void> {
    const promoted = backupPromotedColumns(doc);
    if (promoted === null) {
      await queryRows(this.db, `INSERT INTO ${TABLE} (owner_id, id, project_id, user_id, doc) VALUES ($1, $2, $3, $4, $5)`, [
        owner.ownerId,
        doc.backup_id,
        doc.project_id,
        doc.user_id,
        doc,
      ]);
      return;
    }
    await this.inserts.insert({ ownerId: owner.ownerId, id: doc.backup_id, projectId: doc.project_id, userId: doc.user_id, doc, promoted });
  }

  // Rewrites the backup under a row lock with what `change` makes of it, checked against If-Match
  // first (D6); the version moves only when something changed. Null when the owner has no such backup.
  patch(owner: Owner, id: string, ifMatch: string | undefined, change: (stored: BackupDocument) => BackupDocument): Promise<StoredText | null> {
    return this.db.transaction(async (em) => {
      const current = await getDocument<BackupDocument>(em, TABLE, owner, id, true);
      if (!current) return null;
      checkIfMatch(ifMatch, current.version);
      const next = change(current.doc);
      if (jsonEqual(next, current.doc)) return getDocumentText(em, TABLE, owner, id);
      return updateDocumentText(em, TABLE, owner, id, next);
    });
  }

  // the document as JSON text, for an answer
  getText(owner: Owner, id: string): Promise<StoredText | null> {
    return getDocumentText(this.db, TABLE, owner, id);
  }

  // the documents as JSON text
  list(owner: Owner, request: ListRequest): Promise<JsonText[]> {
    return listDocuments(this.db, TABLE, BACKUP_SEARCH, owner, request);
  }

  remove(owner: Owner, id: string, ifMatch: string | undefined): Promise<boolean> {
    return removeDocument(this.db, TABLE, owner, id, ifMatch);
  }
}
