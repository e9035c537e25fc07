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
import { CLIENT_ID_PATTERN, ID_PATTERN } from '../../common/validation/patterns.js';
import { SCHEDULE_SCHEMA } from '../../common/validation/schedule.schema.js';

export type JobSchedule = {
  time_created?: number;
  time_started?: number;
  time_ended?: number;
  event?: string;
  status?: string;
  result?: string;
} & JsonObject;

// §8.1: the keys freezer's SQL storage always returns, with their defaults.
export type JobDocument = {
  job_id: string;
  user_id: string;
  project_id: string | null;
  client_id: string;
  description: string | null;
  job_schedule: JobSchedule;
  job_actions: JsonObject[];
  session_id: string | null;
  session_tag: number;
} & JsonObject;

// common/json_schemas.py job_schema: no extra top-level keys, job_schedule closed, embedded
// actions open. job_actions is an array here (freezer forgot the type, §14 #25).
const JOB_ACTION_SCHEMA = {
  type: 'object',
  properties: {
    freezer_action: FREEZER_ACTION_SCHEMA,
    action_id: { type: 'string' },
    user_id: { type: 'string' },
    project_id: OPTIONAL_PROJECT_ID,
    ...ACTION_SETTINGS_PROPERTIES,
  },
  required: ['freezer_action'],
};

const properties = {
  job_id: { type: 'string', pattern: ID_PATTERN, maxLength: 255 },
  user_id: { type: 'string' },
  project_id: OPTIONAL_PROJECT_ID,
  client_id: { type: 'string', pattern: CLIENT_ID_PATTERN, maxLength: 255 },
  // null as the 2026 dashboard sends them (job_create passes description=None)
  description: { type: ['string', 'null'] },
  job_schedule: SCHEDULE_SCHEMA,
  job_actions: { type: 'array', items: JOB_ACTION_SCHEMA },
  session_id: { type: ['string', 'null'], pattern: '^[\\w-]*$' },
  session_tag: { type: 'integer' },
  session_name: { type: ['string', 'null'] },
};

export const validateJob: DocumentValidator<JobDocument> = compileValidator<JobDocument>({
  type: 'object',
  properties,
  // job_actions first: freezer reports it for an empty body (§8.3 step 1)
  required: ['job_actions', 'job_id', 'user_id', 'client_id', 'job_schedule'],
  additionalProperties: false,
});

export const validateJobPatch: DocumentValidator<JsonObject> = compileValidator<JsonObject>({
  type: 'object',
  properties,
  additionalProperties: false,
});

// Keys the server owns; a body's values are ignored (the scheduler and the web UI send whole
// documents back, §9.3, §12).
const SERVER_FIELDS = ['job_id', 'user_id', 'project_id', '_version'];

export function jobBody(body: JsonValue | undefined): JsonObject {
  if (body === undefined) return {};
  if (!isJsonObject(body)) throw new BadDataFormatError('The job document must be a JSON object');
  const rest = { ...body };
  for (const field of SERVER_FIELDS) delete rest[field];
  return rest;
}

// api/v2/jobs.py Job.expand_default_properties: fills the freezer_action keys that are missing
// or null in every embedded action, then disappears.
export function expandActionDefaults(body: JsonObject): JsonObject {
  if (!('action_defaults' in body)) return body;
  const { action_defaults: defaults, ...rest } = body;
  if (!isJsonObject(defaults)) throw new BadDataFormatError('action_defaults shouldbe a dictionary');
  if (!Array.isArray(rest.job_actions)) throw new BadDataFormatError("'job_actions' is a required property when action_defaults is given");
  rest.job_actions = rest.job_actions.map((element) => {
    if (!isJsonObject(element) || !isJsonObject(element.freezer_action)) {
      throw new BadDataFormatError("Every element of 'job_actions' needs a 'freezer_action' object");
    }
    const action = { ...element.freezer_action };
    for (const [key, value] of Object.entries(defaults)) {
      if (action[key] === undefined || action[key] === null) action[key] = value;
    }
    return { ...element, freezer_action: action };
  });
  return rest;
}

// The stored document of a create, `createdAt` in epoch seconds (the server sets the times over
// the client's values), or of a replace, `createdAt` null: the schedule is stored as the client
// sends it, since a client replacing a job it read back owns its times. A non-object
// job_schedule is left for the validator to name.
export function buildJob(owner: Owner, jobId: string, body: JsonObject, createdAt: number | null): JobDocument {
  const schedule = body.job_schedule ?? {};
  const doc = {
    description: '',
    session_id: '',
    session_tag: 0,
    ...body,
    job_schedule:
      isJsonObject(schedule) && createdAt !== null ? { ...schedule, time_created: createdAt, time_started: -1, time_ended: -1 } : schedule,
    job_id: jobId,
    user_id: owner.userId,
    project_id: owner.projectId,
  };
  validateJob(doc);
  return doc;
}
