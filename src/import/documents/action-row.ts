// SPDX-License-Identifier: Apache-2.0
import { isJsonObject } from '../../common/json/json.types.js';
import { validateAction } from '../../modules/actions/action-document.js';
import type { SourceRow } from '../source/source-database.js';
import { integerColumn, parseJsonColumn, RefusedRow, rowIdentity, validated, type SourceDocument } from './source-document.js';

export const ACTION_COLUMNS = [
  'id', 'project_id', 'user_id', 'action', 'actionmode', 'path_to_backup', 'backup_name', 'container', 'timeout',
  'priority', 'max_retries_interval', 'max_retries', 'mandatory', 'log_file', 'backup_metadata', 'created_at', 'updated_at', 'deleted',
] as const;

// db/sqlalchemy/api.py get_action lays these columns over the stored freezer_action.
const OVERLAID: Array<[key: string, column: string]> = [
  ['backup_name', 'backup_name'],
  ['action', 'action'],
  ['mode', 'actionmode'],
  ['container', 'container'],
  ['timeout', 'timeout'],
  ['priority', 'priority'],
  ['path_to_backup', 'path_to_backup'],
  ['log_file', 'log_file'],
];

// The freezer_action the original answered: the stored JSON with the columns laid over it. A
// column that is empty only shows as null where the stored action has the key (the original
// invents null keys; this service does not). The retry settings the original's PATCH emptied
// take this service's defaults (5 and 6), `mandatory` is the column the original keeps it in.
export function actionFromRow(row: SourceRow): SourceDocument {
  const identity = rowIdentity(row);
  const stored = parseJsonColumn(row, 'backup_metadata') ?? {};
  if (!isJsonObject(stored)) throw new RefusedRow('backup_metadata: the freezer_action is not a JSON object');
  const freezerAction = { ...stored };
  for (const [key, column] of OVERLAID) {
    const value = row[column];
    if (value !== null && value !== undefined) freezerAction[key] = value;
    else if (key in freezerAction) freezerAction[key] = null;
  }
  const doc = {
    action_id: identity.id,
    user_id: identity.userId,
    project_id: identity.projectId,
    freezer_action: freezerAction,
    max_retries: integerColumn(row, 'max_retries') ?? 5,
    max_retries_interval: integerColumn(row, 'max_retries_interval') ?? 6,
    mandatory: Number(row.mandatory ?? 0) !== 0,
  };
  return { ...identity, doc: validated(doc, validateAction) };
}
