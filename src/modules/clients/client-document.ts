// SPDX-License-Identifier: Apache-2.0
import type { Owner } from '../../common/auth/request-context.js';
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';
import { newDocumentId } from '../../common/ownership/document-id.js';
import { compileValidator, type DocumentValidator } from '../../common/validation/json-schema.js';
import { CLIENT_ID_PATTERN, HOSTNAME_PATTERN } from '../../common/validation/patterns.js';

// What a scheduler registers (sch: utils.py do_register). The 2026 scheduler adds what its node
// can run (the supported_* lists) and whether it is a central scheduler; every other key is kept
// as well (D14).
export type ClientInfo = {
  client_id: string;
  hostname?: string;
  description?: string;
  uuid: string;
  supported_actions?: string[];
  supported_modes?: string[];
  supported_storages?: string[];
  supported_engines?: string[];
  is_central?: boolean;
} & JsonObject;

export type ClientDocument = {
  client: ClientInfo;
  user_id: string;
  project_id: string | null;
} & JsonObject;

export const CAPABILITY_LISTS = ['supported_actions', 'supported_modes', 'supported_storages', 'supported_engines'] as const;

const stringList = { type: 'array', items: { type: 'string' } };

// common/json_schemas.py client_schema, applied to the flat body; hostname is optional (D14). The
// capability lists are checked by type only: upstream's fixed value lists would refuse an agent
// with an engine or storage of its own.
const validateClientInfo: DocumentValidator<ClientInfo> = compileValidator<ClientInfo>({
  type: 'object',
  properties: {
    client_id: { type: 'string', pattern: CLIENT_ID_PATTERN, maxLength: 255 },
    hostname: { type: 'string', pattern: HOSTNAME_PATTERN },
    description: { type: 'string' },
    uuid: { type: 'string', minLength: 1, maxLength: 255 },
    ...Object.fromEntries(CAPABILITY_LISTS.map((key) => [key, stringList])),
    is_central: { type: 'boolean' },
  },
  required: ['client_id'],
});

export function buildClientDocument(owner: Owner, body: JsonValue | undefined): ClientDocument {
  if (body === undefined || (isJsonObject(body) && Object.keys(body).length === 0)) {
    throw new BadDataFormatError('Missing request body');
  }
  if (!isJsonObject(body)) throw new BadDataFormatError('The client document must be a JSON object');
  const client = { ...body, uuid: body.uuid ?? newDocumentId() };
  validateClientInfo(client);
  return { client, user_id: owner.userId, project_id: owner.projectId };
}

// A re-registration (D22): the stored client with the keys the new body carries; the uuid, the
// owner and the keys the body leaves out stay as they were.
export function reregisteredClient(stored: ClientDocument, body: JsonObject): ClientDocument {
  const { uuid: _ignored, ...update } = body;
  return { ...stored, client: { ...stored.client, ...update } };
}
