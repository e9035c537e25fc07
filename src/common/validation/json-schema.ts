// SPDX-License-Identifier: Apache-2.0
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BadDataFormatError } from '../errors/freezer-errors.js';
import { pythonRepr } from './python-repr.js';

// freezer validates documents with JSON Schema (common/json_schemas.py, draft 4). The schemas here
// use only keywords that mean the same in draft 4 and in ajv's default draft.
const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true, unicodeRegExp: false });

export type JsonSchema = Record<string, unknown>;

export interface DocumentValidator<T> {
  (document: unknown): asserts document is T;
}

export function compileValidator<T>(schema: JsonSchema): DocumentValidator<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return (document: unknown): asserts document is T => {
    if (!validate(document)) throw new BadDataFormatError(renderError(validate.errors?.[0]));
  };
}

// The first error, worded as Python's jsonschema words it (spec §2.5).
export function renderError(error: ErrorObject | undefined): string {
  if (!error) return 'The document is not valid';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${pythonRepr(params.missingProperty)} is a required property`;
    case 'additionalProperties':
      return `Additional properties are not allowed (${pythonRepr(params.additionalProperty)} was unexpected)`;
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return `${pythonRepr(error.data)} is not of type ${types.map((type) => pythonRepr(type)).join(', ')}`;
    }
    case 'pattern':
      return `${pythonRepr(error.data)} does not match ${pythonRepr(params.pattern)}`;
    case 'enum':
      return `${pythonRepr(error.data)} is not one of ${pythonRepr(params.allowedValues)}`;
    default:
      return `${error.instancePath || 'The document'} ${error.message ?? 'is not valid'}`;
  }
}
