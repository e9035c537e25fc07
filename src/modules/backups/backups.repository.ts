// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Owner } from '../../common/auth/request-context.js';
import { checkIfMatch } from '../../common/http/if-match.js';
import {
  deleteDocument,
  getDocument,
  type ListRequest,
  listDocuments,
  type StoredDocument,
} from '../../common/ownership/owned-documents.js';
import type { SearchSpec } from '../../common/search/search-sql.js';
import type { BackupDocument } from './backup-document.js';

const TABLE = 'backups';

export const BACKUP_SEARCH: SearchSpec = {
  docColumn: 'doc',
  promotedKeys: { backup_name: 'backup_name', hostname: 'hostname', host_name: 'host_name', container: 'container', level: 'level' },
  timeColumn: 'time_stamp',
};

@Injectable()
export class BackupsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(owner: Owner, doc: BackupDocument): Promise<void> {
    await this.db.query(`INSERT INTO backups (owner_id, id, project_id, user_id, doc) VALUES ($1, $2, $3, $4, $5)`, [
      owner.ownerId,
      doc.backup_id,
      doc.project_id,
      doc.user_id,
      doc,
    ]);
  }

  get(owner: Owner, id: string): Promise<StoredDocument<BackupDocument> | null> {
    return getDocument<BackupDocument>(this.db, TABLE, owner, id);
  }

  list(owner: Owner, request: ListRequest): Promise<BackupDocument[]> {
    return listDocuments(this.db, TABLE, BACKUP_SEARCH, owner, request) as Promise<BackupDocument[]>;
  }

  // With If-Match, deletes under a row lock so that the check and the delete see the same version.
  remove(owner: Owner, id: string, ifMatch: string | undefined): Promise<boolean> {
    if (ifMatch === undefined) return deleteDocument(this.db, TABLE, owner, id);
    return this.db.transaction(async (em) => {
      const current = await getDocument(em, TABLE, owner, id, true);
      if (!current) return false;
      checkIfMatch(ifMatch, current.version);
      return deleteDocument(em, TABLE, owner, id);
    });
  }
}
