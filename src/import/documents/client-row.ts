// SPDX-License-Identifier: Apache-2.0
import type { JsonObject } from '../../common/json/json.types.js';
import { validateClientInfo } from '../../modules/clients/client-document.js';
import type { SourceRow } from '../source/source-database.js';
import { RefusedRow, rowIdentity, textColumn, validated, type SourceDocument } from './source-document.js';

export const CLIENT_COLUMNS = ['id', 'project_id', 'user_id', 'client_id', 'hostname', 'description', 'uuid', 'created_at', 'updated_at', 'deleted'] as const;

// db/sqlalchemy/api.py get_client: the row's primary key is the uuid, the API's id its client_id.
// The original answers null for a hostname or description never given; this service stores no
// invented null keys, so they are left out.
export function clientFromRow(row: SourceRow): SourceDocument {
  const identity = rowIdentity(row, 'client_id');
  const uuid = textColumn(row, 'uuid') ?? textColumn(row, 'id');
  if (uuid === null) throw new RefusedRow('uuid is empty');
  const client: JsonObject = { client_id: identity.id, uuid };
  const hostname = textColumn(row, 'hostname');
  const description = textColumn(row, 'description');
  if (hostname !== null) client.hostname = hostname;
  if (description !== null) client.description = description;
  const doc = { client, user_id: identity.userId, project_id: identity.projectId };
  return { ...identity, doc: validated(doc, () => validateClientInfo(client)) };
}
