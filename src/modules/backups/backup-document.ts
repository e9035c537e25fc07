// SPDX-License-Identifier: Apache-2.0
import type { Owner } from '../../common/auth/request-context.js';
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { newDocumentId } from '../../common/ownership/document-id.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';
import { compileValidator, type DocumentValidator } from '../../common/validation/json-schema.js';

// What freezer-agent posts: free-form, with three keys the service insists on.
export type BackupMetadata = { container: JsonValue; hostname: JsonValue; backup_name: JsonValue } & JsonObject;

// freezer 2026's backup states (common/json_schemas.py); a backup recorded without one is available.
export const BACKUP_STATUSES = ['creating', 'available', 'error', 'deleting', 'deleted'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];
export const DEFAULT_BACKUP_STATUS: BackupStatus = 'available';

// The stored and returned document (common/elasticv2_utils.py BackupMetadataDoc), with freezer
// 2026's status beside it; user_name stays, the CLI prints it.
export type BackupDocument = {
  backup_id: string;
  user_id: string;
  user_name: string | null;
  project_id: string | null;
  status: BackupStatus;
  backup_metadata: BackupMetadata;
} & JsonObject;

const REQUIRED_KEYS = ['container', 'hostname', 'backup_name'] as const;

const validateStatus: DocumentValidator<{ status?: BackupStatus }> = compileValidator({
  type: 'object',
  properties: { status: { enum: [...BACKUP_STATUSES] } },
});

// api/v2/backups.py on_patch: metadata to merge and a status; other keys are ignored.
const validatePatch: DocumentValidator<{ status?: BackupStatus; backup_metadata?: JsonObject }> = compileValidator({
  type: 'object',
  properties: { status: { enum: [...BACKUP_STATUSES] }, backup_metadata: { type: 'object' } },
});

function requireObject(body: JsonValue | undefined, what: string): JsonObject {
  if (body === undefined || (isJsonObject(body) && Object.keys(body).length === 0)) {
    throw new BadDataFormatError('Missing request body');
  }
  if (!isJsonObject(body)) throw new BadDataFormatError(`The ${what} must be a JSON object`);
  return body;
}

// freezer's validity check is not a schema: the three keys must be present and not "" (null, 0
// and false pass).
export function checkBackupMetadata(body: JsonValue | undefined): asserts body is BackupMetadata {
  const metadata = requireObject(body, 'backup metadata');
  for (const key of REQUIRED_KEYS) {
    if (!(key in metadata) || metadata[key] === '') {
      throw new BadDataFormatError(`The backup metadata needs a non-empty '${key}'`);
    }
  }
}

// The body of a create is the metadata; a top-level `status` is the backup's state, not
// metadata (common/elasticv2_utils.py, 2026).
export function buildBackupDocument(owner: Owner, body: JsonValue | undefined): BackupDocument {
  const { status, ...metadata } = requireObject(body, 'backup metadata');
  validateStatus({ status });
  checkBackupMetadata(metadata);
  return {
    backup_id: newDocumentId(),
    user_id: owner.userId,
    user_name: owner.userName,
    project_id: owner.projectId,
    status: (status as BackupStatus | undefined) ?? DEFAULT_BACKUP_STATUS,
    backup_metadata: metadata,
  };
}

export interface BackupPatch {
  status?: BackupStatus;
  backup_metadata?: JsonObject;
}

export function parseBackupPatch(body: JsonValue | undefined): BackupPatch {
  const { user_id: _u, backup_id: _b, project_id: _p, ...patch } = requireObject(body, 'patch');
  validatePatch(patch);
  return { status: patch.status, backup_metadata: patch.backup_metadata };
}

// db/sqlalchemy/api.py update_backup: backup_metadata merges one level deep (a key of the patch
// replaces the stored key whole), status replaces. The result must still be a valid backup.
export function patchedBackup(stored: BackupDocument, patch: BackupPatch): BackupDocument {
  const metadata = { ...stored.backup_metadata, ...patch.backup_metadata };
  checkBackupMetadata(metadata);
  return { ...stored, status: patch.status ?? stored.status ?? DEFAULT_BACKUP_STATUS, backup_metadata: metadata };
}
