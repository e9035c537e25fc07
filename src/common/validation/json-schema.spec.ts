// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { BadDataFormatError } from '../errors/freezer-errors.js';
import { compileValidator, type DocumentValidator } from './json-schema.js';
import { CLIENT_ID_PATTERN } from './patterns.js';
import { pythonRepr } from './python-repr.js';

describe('pythonRepr', () => {
  it.each([
    [null, 'None'],
    [true, 'True'],
    [false, 'False'],
    [3, '3'],
    ['x', "'x'"],
    ["it's", '"it\'s"'],
    ['^[\\w-]+$', "'^[\\\\w-]+$'"],
    [[1, 'a'], "[1, 'a']"],
    [{ a: null }, "{'a': None}"],
  ])('%j -> %s', (value, repr) => {
    expect(pythonRepr(value)).toBe(repr);
  });
});

describe('compileValidator', () => {
  const validate: DocumentValidator<unknown> = compileValidator({
    type: 'object',
    properties: {
      job_id: { type: 'string', pattern: '^[\\w-]+$' },
      event: { enum: ['', 'stop', 'start'] },
      n: { type: 'integer' },
      job_actions: { type: 'array' },
    },
    required: ['job_actions'],
    additionalProperties: false,
  });

  function messageOf(document: unknown): string {
    try {
      validate(document);
    } catch (error) {
      expect(error).toBeInstanceOf(BadDataFormatError);
      return (error as Error).message;
    }
    throw new Error('document passed');
  }

  it('words errors as Python jsonschema does', () => {
    expect(messageOf({})).toBe("'job_actions' is a required property");
    expect(messageOf({ job_actions: [], bogus: 1 })).toBe("Additional properties are not allowed ('bogus' was unexpected)");
    expect(messageOf({ job_actions: [], n: 'x' })).toBe("'x' is not of type 'integer'");
    expect(messageOf({ job_actions: [], job_id: null })).toBe("None is not of type 'string'");
    expect(messageOf({ job_actions: [], job_id: 'a b' })).toBe("'a b' does not match '^[\\\\w-]+$'");
    expect(messageOf({ job_actions: [], event: 'bogus' })).toBe("'bogus' is not one of ['', 'stop', 'start']");
  });

  it('accepts a valid document', () => {
    expect(() => validate({ job_actions: [], job_id: 'abc-1', event: 'start', n: 2 })).not.toThrow();
  });
});

describe('CLIENT_ID_PATTERN', () => {
  const pattern = new RegExp(CLIENT_ID_PATTERN);
  it.each(['752d41af_szaher', 'padawan-ccp-c1-m1-mgmt', '01b0f00a-4ce2-11e6-beb8-9e71128cae77_myhost.mydomain.mytld', 'a_b_host'])(
    'accepts %s',
    (id) => expect(pattern.test(id)).toBe(true),
  );
  it.each(['bad%project$id_host.domain.tld', 'p_bad_hostname.bad/domain.b', '-host', 'host-', 'p_', ''])('rejects %s', (id) =>
    expect(pattern.test(id)).toBe(false),
  );
});
