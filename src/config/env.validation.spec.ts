// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { ConfigError, validateEnv } from './env.validation.js';

// The limits and proxy settings: defaults, accepted forms, and a refusal that names the setting.
describe('validateEnv: RATE_LIMIT, RATE_LIMIT_WINDOW_S, TRUST_PROXY', () => {
  it('leaves the rate limit off and trusts no proxy by default', () => {
    const config = validateEnv({});
    expect({ rateLimit: config.rateLimit, rateLimitWindowS: config.rateLimitWindowS, trustProxy: config.trustProxy }).toEqual({
      rateLimit: 0,
      rateLimitWindowS: 60,
      trustProxy: false,
    });
    expect(validateEnv({ RATE_LIMIT: ' ', TRUST_PROXY: '' })).toMatchObject({ rateLimit: 0, trustProxy: false });
  });

  it('reads a rate limit and its window', () => {
    expect(validateEnv({ RATE_LIMIT: '600', RATE_LIMIT_WINDOW_S: '10' })).toMatchObject({ rateLimit: 600, rateLimitWindowS: 10 });
    expect(validateEnv({ RATE_LIMIT: '0' })).toMatchObject({ rateLimit: 0 });
  });

  it.each([
    ['RATE_LIMIT', '-1', 'Invalid configuration: RATE_LIMIT must be an integer, got "-1"'],
    ['RATE_LIMIT', '10/min', 'Invalid configuration: RATE_LIMIT must be an integer, got "10/min"'],
    ['RATE_LIMIT', '2000000', 'Invalid configuration: RATE_LIMIT must be between 0 and 1000000, got 2000000'],
    ['RATE_LIMIT_WINDOW_S', '0', 'Invalid configuration: RATE_LIMIT_WINDOW_S must be between 1 and 86400, got 0'],
    ['RATE_LIMIT_WINDOW_S', '1.5', 'Invalid configuration: RATE_LIMIT_WINDOW_S must be an integer, got "1.5"'],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => validateEnv({ [name]: value })).toThrow(new ConfigError(name, message.slice(`Invalid configuration: ${name} `.length)));
    expect(() => validateEnv({ [name]: value })).toThrow(message);
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['off', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['loopback', ['loopback']],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.0/24 ,fd00::/8,::1', ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/8', '::1']],
    ['loopback,uniquelocal,linklocal', ['loopback', 'uniquelocal', 'linklocal']],
  ])('reads TRUST_PROXY=%s as Express does', (raw, expected) => {
    expect(validateEnv({ TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it.each(['proxy.example.com', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', '10.0.0.256', '10.0.0.0/x', '33', 'yes please'])(
    'refuses TRUST_PROXY=%s with a message naming the setting',
    (raw) => {
      expect(() => validateEnv({ TRUST_PROXY: raw })).toThrow(/^Invalid configuration: TRUST_PROXY /);
    },
  );
});

describe('validateEnv: WORKERS, LOG_FORMAT', () => {
  const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/freezer';

  it('runs one process and writes JSON lines by default', () => {
    expect(validateEnv({})).toMatchObject({ workers: 1, logFormat: 'json' });
    expect(validateEnv({ LOG_FORMAT: 'Text' })).toMatchObject({ logFormat: 'text' });
  });

  it('takes a count of workers, or one per CPU with auto, on a PostgreSQL server', () => {
    expect(validateEnv({ WORKERS: '3', DATABASE_URL })).toMatchObject({ workers: 3 });
    expect(validateEnv({ WORKERS: 'auto', DATABASE_URL }).workers).toBeGreaterThanOrEqual(1);
    expect(validateEnv({ WORKERS: '1' })).toMatchObject({ workers: 1 });
  });

  it('refuses several workers on the embedded database, and nonsense counts', () => {
    expect(() => validateEnv({ WORKERS: '2' })).toThrow(
      'Invalid configuration: WORKERS is 2, but the embedded database serves one process; set DATABASE_URL to a PostgreSQL server to run several',
    );
    expect(() => validateEnv({ WORKERS: '0', DATABASE_URL })).toThrow('WORKERS must be between 1 and 64, got 0');
    expect(() => validateEnv({ WORKERS: 'many', DATABASE_URL })).toThrow('WORKERS must be an integer, got "many"');
    expect(() => validateEnv({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT');
  });
});

describe('validateEnv: protection status settings', () => {
  it('has the documented defaults', () => {
    expect(validateEnv({}).status).toEqual({
      livenessResolutionS: 30,
      clientStaleAfterS: 600,
      jobOverdueGraceS: 3600,
      backupMaxAgeS: 172_800,
      metricsIntervalS: 60,
      metricsPerProject: false,
    });
  });

  it('reads every setting and refuses a stale threshold within the liveness resolution', () => {
    const env = { LIVENESS_RESOLUTION_S: '5', CLIENT_STALE_AFTER_S: '120', JOB_OVERDUE_GRACE_S: '0', BACKUP_MAX_AGE_S: '3600', STATUS_METRICS_INTERVAL_S: '10', METRICS_PER_PROJECT: 'true', METRICS_TOKEN: 'scrape-token-0123456789' };
    expect(validateEnv(env).status).toEqual({ livenessResolutionS: 5, clientStaleAfterS: 120, jobOverdueGraceS: 0, backupMaxAgeS: 3600, metricsIntervalS: 10, metricsPerProject: true });
    expect(() => validateEnv({ CLIENT_STALE_AFTER_S: '30' })).toThrow('CLIENT_STALE_AFTER_S is 30, not more than LIVENESS_RESOLUTION_S (30)');
    expect(() => validateEnv({ STATUS_METRICS_INTERVAL_S: '0' })).toThrow('STATUS_METRICS_INTERVAL_S must be between 1 and 86400');
    expect(() => validateEnv({ METRICS_PER_PROJECT: 'maybe' })).toThrow('METRICS_PER_PROJECT must be true or false');
  });

  it("refuses project labels on /metrics without a token: they reveal every tenant's projects", () => {
    expect(() => validateEnv({ METRICS_PER_PROJECT: 'true' })).toThrow(/METRICS_PER_PROJECT is true, which labels .* every tenant's project ids .* set METRICS_TOKEN/);
    expect(validateEnv({}).metricsToken).toBeUndefined();
    expect(validateEnv({ METRICS_TOKEN: ' scrape-token-0123456789 ' }).metricsToken).toBe('scrape-token-0123456789');
    expect(() => validateEnv({ METRICS_TOKEN: 'short' })).toThrow('METRICS_TOKEN must be at least 16 printable characters');
    expect(() => validateEnv({ METRICS_TOKEN: 'with a space in it, long enough' })).toThrow('METRICS_TOKEN must be at least 16 printable characters');
  });
});
