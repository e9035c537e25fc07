// SPDX-License-Identifier: Apache-2.0
import type { Owner } from '../../common/auth/request-context.js';
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';
import {
  ACTION_SETTINGS_PROPERTIES,
  FREEZER_ACTION_SCHEMA,
  OPTIONAL_PROJECT_ID,
} from '../../common/validation/freezer-action.schema.js';
import { compileValidator, type DocumentValidator } from '../../common/validation/json-schema.js';
import { ID_PATTERN } from '../../common/validation/patterns.js';

export type FreezerAction = JsonObject;

// common/json_schemas.py action_schema: extra keys are kept (D14).
export type ActionDocument = {
  action_id: string;
  user_id: string;
  project_id: string | null;
  freezer_action: FreezerAction;
  max_retries: number;
  max_retries_interval: number;
  mandatory: boolean;
} & JsonObject;

// Fields the server owns: a body's values are ignored.
const SERVER_FIELDS = ['action_id', 'user_id', 'project_id', '_version'];

const properties = {
  action_id: { type: 'string', pattern: ID_PATTERN, maxLength: 255 },
  user_id: { type: 'string' },
  project_id: OPTIONAL_PROJECT_ID,
  freezer_action: FREEZER_ACTION_SCHEMA,
  ...ACTION_SETTINGS_PROPERTIES,
};

export const validateAction: DocumentValidator<ActionDocument> = compileValidator<ActionDocument>({
  type: 'object',
  properties,
  required: ['action_id', 'user_id', 'freezer_action'],
});

export const validateActionPatch: DocumentValidator<JsonObject> = compileValidator<JsonObject>({ type: 'object', properties });

export function requireBody(body: JsonValue | undefined): JsonObject {
  if (body === undefined || (isJsonObject(body) && Object.keys(body).length === 0)) {
    throw new BadDataFormatError('Missing request body');
  }
  if (!isJsonObject(body)) throw new BadDataFormatError('The document must be a JSON object');
  return body;
}

export function withoutServerFields(body: JsonObject): JsonObject {
  const rest = { ...body };
  for (const field of SERVER_FIELDS) delete rest[field];
  return rest;
}

// The stored document: the body with the server's fields and the defaults of D14. The id is
// checked with the rest (a body may carry one of any type).
export function buildActionDocument(owner: Owner, actionId: JsonValue, body: JsonObject): ActionDocument {
  const doc = {
    max_retries: 5,
    max_retries_interval: 6,
    mandatory: false,
    ...withoutServerFields(body),
    action_id: actionId,
    user_id: owner.userId,
    project_id: owner.projectId,
  };
  validateAction(doc);
  return doc;
}
