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

// Keys a body cannot set: the server's, and the membership, which changes only through the
// membership endpoints and the start/end actions (D13).
const PROTECTED = ['session_id', 'user_id', 'project_id', '_version', 'jobs', 'session_tag'];

export function sessionBody(body: JsonValue | undefined): JsonObject {
  if (body === undefined || (isJsonObject(body) && Object.keys(body).length === 0)) {
    throw new BadDataFormatError('Missing request body');
  }
  if (!isJsonObject(body)) throw new BadDataFormatError('The session document must be a JSON object');
  const rest = { ...body };
  for (const key of PROTECTED) delete rest[key];
  return rest;
}

// A create (§10.3) or a replace (§10.4): the body over the defaults, the server's ids, and the
// membership it already had (none for a new session).
export function buildSession(
  owner: Owner,
  sessionId: string,
  body: JsonObject,
  membership: { session_tag: number; jobs: Record<string, SessionJobEntry> },
): SessionDocument {
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
    ...body,
    ...membership,
    session_id: sessionId,
    user_id: owner.userId,
    project_id: owner.projectId,
  };
  validateSession(doc);
  return doc;
}

export const NO_MEMBERS = { session_tag: 0, jobs: {} };
