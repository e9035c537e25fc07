// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { checkIfMatch, checkIfMatchBeforeReplace, etagOf, ifMatchAccepts } from './if-match.js';

describe('If-Match', () => {
  it('formats a strong quoted ETag', () => {
    expect(etagOf(3)).toBe('"3"');
  });

  it.each([
    [undefined, true],
    ['', true],
    ['*', true],
    ['"3"', true],
    ['W/"3"', true],
    ['3', true],
    ['"1", "3"', true],
    ['"1","2"', false],
    ['"4"', false],
    ['W/"30"', false],
  ])('If-Match %s against version 3 -> %s', (header, expected) => {
    expect(ifMatchAccepts(header, 3)).toBe(expected);
  });

  it('throws 412 naming the current version', () => {
    expect(() => checkIfMatch('"9"', 3)).toThrow('If-Match does not match the current version "3"');
  });
});

describe('checkIfMatchBeforeReplace', () => {
  it('passes without If-Match, whether or not the document exists', () => {
    expect(() => checkIfMatchBeforeReplace(undefined, null)).not.toThrow();
    expect(() => checkIfMatchBeforeReplace(undefined, { version: 2 })).not.toThrow();
  });

  it('refuses If-Match on a document that does not exist, even *', () => {
    expect(() => checkIfMatchBeforeReplace('*', null)).toThrow('If-Match was given but the document does not exist');
  });

  it('compares with the current version', () => {
    expect(() => checkIfMatchBeforeReplace('"2"', { version: 2 })).not.toThrow();
    expect(() => checkIfMatchBeforeReplace('"1"', { version: 2 })).toThrow('If-Match does not match the current version "2"');
  });
});
