// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { validateEnv } from './env.validation.js';

const KEYSTONE = {
  AUTH_MODE: 'keystone',
  KEYSTONE_URL: 'http://keystone:5000/v3/',
  KEYSTONE_USERNAME: 'freezer',
  KEYSTONE_PASSWORD: 'pw',
  KEYSTONE_PROJECT_NAME: 'service',
};

describe('validateEnv: AUTH_MODE=keystone, POLICY_FILE', () => {
  it('reads the Keystone settings with their defaults', () => {
    const config = validateEnv(KEYSTONE);
    expect(config.keystone).toEqual({
      url: 'http://keystone:5000/v3',
      username: 'freezer',
      password: 'pw',
      projectName: 'service',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      cacheTtlS: 300,
    });
    expect(config.policyFile).toBeUndefined();
  });

  it('names every missing required setting', () => {
    expect(() => validateEnv({ AUTH_MODE: 'keystone', KEYSTONE_URL: 'http://k/v3' })).toThrow(
      'Invalid configuration: KEYSTONE_USERNAME, KEYSTONE_PASSWORD, KEYSTONE_PROJECT_NAME must be set when AUTH_MODE=keystone',
    );
  });

  it('refuses a URL that is not a v3 http(s) endpoint and a bad cache time', () => {
    expect(() => validateEnv({ ...KEYSTONE, KEYSTONE_URL: 'keystone:5000' })).toThrow(/KEYSTONE_URL/);
    expect(() => validateEnv({ ...KEYSTONE, KEYSTONE_URL: 'http://keystone:5000/v2.0' })).toThrow(/KEYSTONE_URL must be the v3 endpoint/);
    expect(() => validateEnv({ ...KEYSTONE, KEYSTONE_CACHE_TTL: 'soon' })).toThrow(/KEYSTONE_CACHE_TTL/);
  });

  it('reads the domains, the cache time and POLICY_FILE', () => {
    const config = validateEnv({ ...KEYSTONE, KEYSTONE_USER_DOMAIN_NAME: 'users', KEYSTONE_PROJECT_DOMAIN_NAME: 'ops', KEYSTONE_CACHE_TTL: '60', POLICY_FILE: '/etc/freezer/policy.yaml' });
    expect(config.keystone).toMatchObject({ userDomainName: 'users', projectDomainName: 'ops', cacheTtlS: 60 });
    expect(config.policyFile).toBe('/etc/freezer/policy.yaml');
    expect(validateEnv({}).keystone).toBeNull();
  });
});

describe('validateEnv: POLICY_DEFAULTS', () => {
  it('defaults to legacy, reads rbac and refuses anything else, naming the setting', () => {
    expect(validateEnv({}).policyDefaults).toBe('legacy');
    expect(validateEnv({ POLICY_DEFAULTS: 'rbac' }).policyDefaults).toBe('rbac');
    expect(() => validateEnv({ POLICY_DEFAULTS: 'secure' })).toThrow(/POLICY_DEFAULTS/);
  });
});
