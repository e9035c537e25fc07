// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { InvalidParameterError } from '../errors/freezer-errors.js';
import { booleanParam, parsePaging, queryValue } from './list-query.js';

describe('parsePaging', () => {
  it('defaults to limit 10, offset 0, no marker', () => {
    expect(parsePaging({})).toEqual({ limit: 10, offset: 0, marker: null });
  });

  it('treats limit 0 and a blank limit as 10', () => {
    expect(parsePaging({ limit: '0' }).limit).toBe(10);
    expect(parsePaging({ limit: '' }).limit).toBe(10);
    expect(parsePaging({ limit: '  ' }).limit).toBe(10);
  });

  it('accepts limits up to 10000 and offsets', () => {
    expect(parsePaging({ limit: '10000', offset: '25', marker: 'abc' })).toEqual({ limit: 10000, offset: 25, marker: 'abc' });
  });

  it('takes the last value of a repeated parameter', () => {
    expect(parsePaging({ limit: ['5', '7'] }).limit).toBe(7);
    expect(queryValue({ a: ['x', ''] }, 'a')).toBeUndefined();
  });

  it.each([
    [{ limit: 'ten' }, 'The "limit" parameter is invalid. The value must be an integer.'],
    [{ limit: '1.5' }, 'The "limit" parameter is invalid. The value must be an integer.'],
    [{ limit: '-1' }, 'The "limit" parameter is invalid. The value must be at least 0.'],
    [{ limit: '10001' }, 'The "limit" parameter is invalid. The value must be at most 10000.'],
    [{ offset: '-3' }, 'The "offset" parameter is invalid. The value must be at least 0.'],
    [{ offset: 'x' }, 'The "offset" parameter is invalid. The value must be an integer.'],
  ])('rejects %j', (query, description) => {
    expect(() => parsePaging(query)).toThrow(InvalidParameterError);
    expect(() => parsePaging(query)).toThrow(description);
  });

  it('rejects a marker that cannot be an id', () => {
    expect(() => parsePaging({ marker: 'a'.repeat(256) })).toThrow(InvalidParameterError);
    expect(() => parsePaging({ marker: 'a\u0000b' })).toThrow(InvalidParameterError);
  });
});

describe('booleanParam', () => {
  it.each(['true', 'True', '1', 't', 'yes', 'y', 'on'])('reads %s as true', (value) => {
    expect(booleanParam({ all_projects: value }, 'all_projects')).toBe(true);
  });

  it.each(['false', 'False', '0', 'f', 'no', 'n', 'off', '', undefined])('reads %p as false', (value) => {
    expect(booleanParam({ all_projects: value }, 'all_projects')).toBe(false);
  });

  it('takes the last of repeated values and refuses anything else', () => {
    expect(booleanParam({ all_projects: ['True', 'False'] }, 'all_projects')).toBe(false);
    expect(() => booleanParam({ all_projects: 'maybe' }, 'all_projects')).toThrow(InvalidParameterError);
    expect(() => booleanParam({ all_projects: 'TRUE ' }, 'all_projects')).toThrow('The "all_projects" parameter is invalid. The value must be true or false.');
  });
});
