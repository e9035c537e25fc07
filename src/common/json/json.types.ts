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
