// SPDX-License-Identifier: Apache-2.0
import type { Owner } from '../../common/auth/request-context.js';
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { newDocumentId } from '../../common/ownership/document-id.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';

// What freezer-agent posts: free-form, with three keys the service insists on.
export type BackupMetadata = { container: JsonValue; hostname: JsonValue; backup_name: JsonValue } & JsonObject;

// The stored and returned document (common/elasticv2_utils.py BackupMetadataDoc); tempest compares
// it for exact equality, so it has exactly these keys.
export type BackupDocument = {
  backup_id: string;
  user_id: string;
  user_name: string | null;
  project_id: string | null;
  backup_metadata: BackupMetadata;
} & JsonObject;

const REQUIRED_KEYS = ['container', 'hostname', 'backup_name'] as const;

// freezer's validity check is not a schema: the three keys must be present and not "" (null, 0
// and false pass).
export function checkBackupMetadata(body: JsonValue | undefined): asserts body is BackupMetadata {
  if (body === undefined || (isJsonObject(body) && Object.keys(body).length === 0)) {
    throw new BadDataFormatError('Missing request body');
  }
  if (!isJsonObject(body)) throw new BadDataFormatError('The backup metadata must be a JSON object');
  for (const key of REQUIRED_KEYS) {
    if (!(key in body) || body[key] === '') {
      throw new BadDataFormatError(`The backup metadata needs a non-empty '${key}'`);
    }
  }
}

export function buildBackupDocument(owner: Owner, metadata: BackupMetadata): BackupDocument {
  return {
    backup_id: newDocumentId(),
    user_id: owner.userId,
    user_name: owner.userName,
    project_id: owner.projectId,
    backup_metadata: metadata,
  };
}
