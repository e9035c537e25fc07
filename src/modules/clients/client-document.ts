// SPDX-License-Identifier: Apache-2.0
import type { Owner } from '../../common/auth/request-context.js';
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';
import { newDocumentId } from '../../common/ownership/document-id.js';
import { compileValidator, type DocumentValidator } from '../../common/validation/json-schema.js';
import { CLIENT_ID_PATTERN, HOSTNAME_PATTERN } from '../../common/validation/patterns.js';

// What a scheduler registers (sch: utils.py do_register); newer ones add supported_* keys and
// is_central, all kept (D14).
export type ClientInfo = {
  client_id: string;
  hostname?: string;
  description?: string;
  uuid: string;
} & JsonObject;

export type ClientDocument = {
  client: ClientInfo;
  user_id: string;
  project_id: string | null;
} & JsonObject;

// common/json_schemas.py client_schema, applied to the flat body; hostname is optional (D14).
export const validateClientInfo: DocumentValidator<ClientInfo> = compileValidator<ClientInfo>({
  type: 'object',
  properties: {
    client_id: { type: 'string', pattern: CLIENT_ID_PATTERN, maxLength: 255 },
    hostname: { type: 'string', pattern: HOSTNAME_PATTERN },
    description: { type: 'string' },
    uuid: { type: 'string', minLength: 1, maxLength: 255 },
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
