// SPDX-License-Identifier: Apache-2.0
import type { Owner } from '../../common/auth/request-context.js';
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';
import { OPTIONAL_PROJECT_ID } from '../../common/validation/freezer-action.schema.js';
import { compileValidator, type DocumentValidator } from '../../common/validation/json-schema.js';
import { ID_PATTERN } from '../../common/validation/patterns.js';
import { SCHEDULE_SCHEMA } from '../../common/validation/schedule.schema.js';

// A member's entry in the session (§10.1); times are "" until known.
export type SessionJobEntry = {
  client_id: JsonValue;
  status: string;
  result: string;
  time_started: number | string;
  time_ended: number | string;
} & JsonObject;

export type SessionDocument = {
  session_id: string;
  user_id: string;
  project_id: string | null;
  description: string;
  session_tag: number;
  hold_off: number;
  status: string;
  result: string;
  schedule: JsonObject;
  jobs: Record<string, SessionJobEntry>;
  time_start: number;
  time_end: number;
  time_started: number;
  time_ended: number;
} & JsonObject;

// common/json_schemas.py session_schema: extra top-level keys allowed, schedule closed.
const properties = {
  session_id: { type: 'string', pattern: ID_PATTERN, maxLength: 255 },
  session_tag: { type: 'integer' },
  user_id: { type: 'string' },
  project_id: OPTIONAL_PROJECT_ID,
  schedule: SCHEDULE_SCHEMA,
  hold_off: { type: 'integer' },
  description: { type: 'string' },
  time_started: { type: 'integer' },
  time_ended: { type: 'integer' },
  time_start: { type: 'integer' },
  time_end: { type: 'integer' },
  jobs: { type: 'object' },
};

export const validateSession: DocumentValidator<SessionDocument> = compileValidator<SessionDocument>({
  type: 'object',
  properties,
  required: ['session_id', 'session_tag', 'user_id', 'schedule'],
});

export const validateSessionPatch: DocumentValidator<JsonObject> = compileValidator<JsonObject>({ type: 'object', properties });

// Keys a body cannot set: the server's, and the members, which change only through the membership
// endpoints and the start/end actions (D13).
const SERVER_KEYS = ['session_id', 'user_id', 'project_id', '_version', 'jobs'];

// The body of a create or a replace. Its session_tag is validated with the rest and becomes the
// tag of a new session; a replace of an existing one keeps the tag it has (see the repository).
export function sessionBody(body: JsonValue | undefined): JsonObject {
  if (body === undefined || (isJsonObject(body) && Object.keys(body).length === 0)) {
    throw new BadDataFormatError('Missing request body');
  }
  if (!isJsonObject(body)) throw new BadDataFormatError('The session document must be a JSON object');
  const rest = { ...body };
  for (const key of SERVER_KEYS) delete rest[key];
  return rest;
}

// The body of a PATCH, which never moves the tag (D13).
export function sessionPatchBody(body: JsonValue | undefined): JsonObject {
  const { session_tag: _ignored, ...rest } = sessionBody(body);
  return rest;
}

// A create (§10.3, `defaults` giving session_tag 0) or a replace (§10.4, which requires a tag):
// the body over the defaults, the server's ids, and no members yet.
export function buildSession(owner: Owner, sessionId: string, body: JsonObject, defaults: JsonObject = {}): SessionDocument {
  const doc = {
    description: '',
    hold_off: 30,
    status: 'active',
    result: '',
    last_start: '',
    time_start: -1,
    time_end: -1,
    time_started: -1,
    time_ended: -1,
    ...defaults,
    ...body,
    jobs: {},
    session_id: sessionId,
    user_id: owner.userId,
    project_id: owner.projectId,
  };
  validateSession(doc);
  return doc;
}
