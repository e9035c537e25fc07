// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Owner } from '../../common/auth/request-context.js';
import type { JsonText } from '../../common/json/json-text.js';
import { queryRows } from '../../database/prepared-statements.js';
import { removeDocument } from '../../common/ownership/document-writes.js';
import {
  getDocumentText,
  type ListRequest,
  listDocuments,
  type StoredText,
} from '../../common/ownership/owned-documents.js';
import type { SearchSpec } from '../../common/search/search-sql.js';
import type { BackupDocument } from './backup-document.js';

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
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(owner: Owner, doc: BackupDocument): Promise<void> {
    await queryRows(this.db, `INSERT INTO ${TABLE} (owner_id, id, project_id, user_id, doc) VALUES ($1, $2, $3, $4, $5)`, [
      owner.ownerId,
      doc.backup_id,
      doc.project_id,
      doc.user_id,
      doc,
    ]);
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
