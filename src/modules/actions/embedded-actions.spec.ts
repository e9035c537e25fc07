// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { jsonEqual } from '../../common/json/json-equal.js';
import { sameFreezerAction } from './embedded-actions.js';

describe('sameFreezerAction', () => {
  it('ignores _version and user_id', () => {
    expect(sameFreezerAction({ action: 'backup', user_id: 'a', _version: 3 }, { action: 'backup', user_id: 'b' })).toBe(true);
  });

  it('counts a missing key as null', () => {
    expect(sameFreezerAction({ action: 'backup', mode: null }, { action: 'backup' })).toBe(true);
    expect(sameFreezerAction({ action: 'backup', mode: 'fs' }, { action: 'backup' })).toBe(false);
  });

  it('compares nested values exactly', () => {
    expect(sameFreezerAction({ a: { b: [1, 2] } }, { a: { b: [1, 2] } })).toBe(true);
    expect(sameFreezerAction({ a: { b: [1, 2] } }, { a: { b: [2, 1] } })).toBe(false);
    expect(sameFreezerAction({ level: 1 }, { level: '1' })).toBe(false);
  });
});

describe('jsonEqual', () => {
  it('compares objects regardless of key order', () => {
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });
});
