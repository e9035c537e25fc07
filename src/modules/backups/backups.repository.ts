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
import { backupPromotedColumns } from './backup-promoted-columns.js';

const TABLE = 'backups';

export const BACKUP_SEARCH: SearchSpec = {
  docColumn: 'doc',
  promotedKeys: { backup_name: 'backup_name', hostname: 'hostname', host_name: 'host_name', container: 'container', level: 'level' },
  timeColumn: 'time_stamp',
  textColumn: 'search_text',
  textWordsIndexed: true,
};

// A backup with the search columns computed here, where the document is at hand, instead of by
// the table's trigger walking it again in PL/pgSQL (about a quarter of PostgreSQL's time for a
// backup POST). The trigger stands aside when the writer's transaction says so; the setting is
// made in the statement itself, before its row reaches the trigger, and lasts only for the
// statement's own transaction.
const INSERT_PROMOTED = `
  INSERT INTO ${TABLE} (owner_id, id, project_id, user_id, doc, backup_name, hostname, host_name, container, level, search_text, time_stamp)
  SELECT $1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12::numeric
    FROM (SELECT set_config('freezer.promoted_by_writer', 'on', true)) AS writer`;

@Injectable()
export class BackupsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(owner: Owner, doc: BackupDocument): Promise<void> {
    const row = [owner.ownerId, doc.backup_id, doc.project_id, doc.user_id, doc];
    const promoted = backupPromotedColumns(doc);
    if (promoted === null) {
      await queryRows(this.db, `INSERT INTO ${TABLE} (owner_id, id, project_id, user_id, doc) VALUES ($1, $2, $3, $4, $5)`, row);
      return;
    }
    const { backup_name, hostname, host_name, container, level, search_text, time_stamp } = promoted;
    await queryRows(this.db, INSERT_PROMOTED, [...row, backup_name, hostname, host_name, container, level, search_text, time_stamp]);
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
