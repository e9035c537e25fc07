// SPDX-License-Identifier: Apache-2.0
import { checkBackupMetadata, DEFAULT_BACKUP_STATUS } from '../../modules/backups/backup-document.js';
import { parseJsonColumn, rowIdentity, textColumn, validated, type SourceDocument } from './source-document.js';
import type { SourceRow } from '../source/source-database.js';

export const BACKUP_COLUMNS = ['id', 'project_id', 'user_id', 'user_name', 'backup_metadata', 'created_at', 'updated_at', 'deleted'] as const;

// db/sqlalchemy/api.py get_backup: the metadata column decoded, wrapped with the owner's fields,
// and the state a backup recorded without one has here. The metadata stays as the original kept it
// (a `status` inside it was the agent's, not the backup's state).
export function backupFromRow(row: SourceRow): SourceDocument {
  const identity = rowIdentity(row);
  const metadata = parseJsonColumn(row, 'backup_metadata');
  const doc = {
    backup_id: identity.id,
    user_id: identity.userId,
    user_name: textColumn(row, 'user_name'),
    project_id: identity.projectId,
    status: DEFAULT_BACKUP_STATUS,
    backup_metadata: metadata,
  };
  return { ...identity, doc: validated(doc, () => checkBackupMetadata(metadata ?? undefined)) };
}
