// SPDX-License-Identifier: Apache-2.0
// What a parsed JSON body or a JSONB column can hold. Free-form documents are JsonObject; known
// keys are typed by intersecting with it ("known keys ∩ open object").
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isJsonScalar(value: unknown): value is JsonPrimitive {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

// A narrow accessor: the string at `key`, or undefined when absent or of another type.
export function stringAt(doc: JsonObject, key: string): string | undefined {
  const value = doc[key];
  return typeof value === 'string' ? value : undefined;
}
