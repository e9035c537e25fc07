// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import type { JsonValue } from '../json/json.types.js';
import { MAX_JSON_DEPTH, MAX_JSON_KEYS, parseJsonBody } from './json-body.js';

// An object nested `levels` deep, the outermost counting as level 1.
function nested(levels: number, leaf: JsonValue = 1): JsonValue {
  let value: JsonValue = { leaf };
  for (let level = 1; level < levels; level += 1) value = level % 2 === 0 ? [value] : { a: value };
  return value;
}

const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

describe('parseJsonBody', () => {
  it('reads an empty or blank body as no body', () => {
    expect(parseJsonBody(Buffer.alloc(0))).toBeUndefined();
    expect(parseJsonBody(Buffer.from(' \n\t'))).toBeUndefined();
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of objects and arrays and refuses one more`, () => {
    expect(parseJsonBody(body(nested(MAX_JSON_DEPTH)))).toEqual(nested(MAX_JSON_DEPTH));
    expect(() => parseJsonBody(body(nested(MAX_JSON_DEPTH + 1)))).toThrow(
      expect.objectContaining({ status: 400, title: 'Bad request format', description: 'The document is nested deeper than 64 levels' }),
    );
  });

  it('refuses a body nested far deeper without exhausting the stack', () => {
    const deep = Buffer.from('['.repeat(100_000) + ']'.repeat(100_000));
    expect(() => parseJsonBody(deep)).toThrow(expect.objectContaining({ status: 400, description: 'The document is nested deeper than 64 levels' }));
  });

  it(`accepts ${MAX_JSON_KEYS} keys and items in all and refuses one more`, () => {
    // the root's two keys plus the items of both arrays
    const doc = (total: number) => ({ a: Array.from({ length: total - 2 - 1 }, () => 0), b: [0] });
    expect(parseJsonBody(body(doc(MAX_JSON_KEYS)))).toEqual(doc(MAX_JSON_KEYS));
    expect(() => parseJsonBody(body(doc(MAX_JSON_KEYS + 1)))).toThrow(
      expect.objectContaining({ status: 400, description: 'The document has more than 20000 keys and items' }),
    );
  });

  it.each([
    ['a NUL in a value', '{"a": "x\\u0000"}', 'Strings may not contain the NUL character (\\u0000)'],
    ['a NUL in a key', '{"a\\u0000": 1}', 'Strings may not contain the NUL character (\\u0000)'],
    ['a lone high surrogate', '{"a": ["\\ud800"]}', 'Strings may not contain unpaired UTF-16 surrogates'],
    ['a lone low surrogate in a key', '{"\\udc00": 1}', 'Strings may not contain unpaired UTF-16 surrogates'],
  ])('refuses %s, which JSONB cannot store', (_label, text, description) => {
    expect(() => parseJsonBody(Buffer.from(text))).toThrow(expect.objectContaining({ status: 400, title: 'Bad request format', description }));
  });

  it('keeps a well-formed surrogate pair and other control characters', () => {
    expect(parseJsonBody(Buffer.from('{"a": "\\ud83d\\ude00\\u0001"}'))).toEqual({ a: '\u{1f600}\u0001' });
  });

  it('refuses bytes that are not UTF-8 and text that is not JSON as Malformed JSON', () => {
    expect(() => parseJsonBody(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow(
      expect.objectContaining({ status: 400, title: 'Malformed JSON', description: 'The request body is not valid UTF-8' }),
    );
    expect(() => parseJsonBody(Buffer.from('{"a":'))).toThrow(expect.objectContaining({ status: 400, title: 'Malformed JSON' }));
  });
});
