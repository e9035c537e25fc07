// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { validateEnv } from './env.validation.js';

describe('validateEnv: SHUTDOWN_TIMEOUT_MS', () => {
  it('defaults to 25 s, below the 30 s Kubernetes waits before SIGKILL', () => {
    expect(validateEnv({}).shutdownTimeoutMs).toBe(25_000);
    expect(validateEnv({ SHUTDOWN_TIMEOUT_MS: ' ' }).shutdownTimeoutMs).toBe(25_000);
  });

  it('reads a number of milliseconds', () => {
    expect(validateEnv({ SHUTDOWN_TIMEOUT_MS: '100' }).shutdownTimeoutMs).toBe(100);
    expect(validateEnv({ SHUTDOWN_TIMEOUT_MS: '120000' }).shutdownTimeoutMs).toBe(120_000);
  });

  it.each([
    ['0', 'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be between 100 and 3600000, got 0'],
    ['99', 'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be between 100 and 3600000, got 99'],
    ['3600001', 'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be between 100 and 3600000, got 3600001'],
    ['30s', 'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be an integer, got "30s"'],
    ['-1', 'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be an integer, got "-1"'],
  ])('refuses SHUTDOWN_TIMEOUT_MS=%s', (value, message) => {
    expect(() => validateEnv({ SHUTDOWN_TIMEOUT_MS: value })).toThrow(message);
  });
});
