// SPDX-License-Identifier: Apache-2.0
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { aboutRequest, FreezerLogger } from './freezer-logger.js';

// The lines a logger wrote, per stream, with the streams themselves left untouched.
function captureOutput(): { stdout: string[]; stderr: string[] } {
  const written = { stdout: [] as string[], stderr: [] as string[] };
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (written.stdout.push(String(chunk)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (written.stderr.push(String(chunk)), true));
  return written;
}

describe('FreezerLogger', () => {
  let output: { stdout: string[]; stderr: string[] };
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('writes one JSON object per line, with the id of the request a message is about', () => {
    const logger = new FreezerLogger('json', 'log');
    logger.log('outside', 'Main');
    logger.warn(aboutRequest('req-42', 'inside'), 'Keystone');
    const [outside, inside] = output.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(output.stdout.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(outside).toMatchObject({ level: 'log', context: 'Main', message: 'outside', pid: process.pid });
    expect(outside).not.toHaveProperty('request_id');
    expect(inside).toMatchObject({ level: 'warn', context: 'Keystone', message: 'inside', request_id: 'req-42' });
    expect(Number.isNaN(Date.parse(String(inside.time)))).toBe(false);
  });

  it("keeps the request id of a message sent through Nest's Logger", () => {
    const logger = new FreezerLogger('json', 'log');
    Logger.overrideLogger(logger);
    try {
      new Logger('FreezerExceptionFilter').error(aboutRequest('req-500', 'GET /x failed'), 'Error: boom\n    at here');
    } finally {
      Logger.overrideLogger(false);
    }
    expect(JSON.parse(output.stderr[0])).toMatchObject({
      context: 'FreezerExceptionFilter',
      request_id: 'req-500',
      message: 'GET /x failed',
      stack: 'Error: boom\n    at here',
    });
  });

  it('sends errors to stderr with their stack as a field of the same line', () => {
    const logger = new FreezerLogger('json', 'log');
    logger.error('GET /x failed', 'Error: boom\n    at somewhere', 'FreezerExceptionFilter');
    expect(output.stdout).toEqual([]);
    expect(output.stderr).toHaveLength(1);
    expect(JSON.parse(output.stderr[0])).toMatchObject({
      level: 'error',
      context: 'FreezerExceptionFilter',
      message: 'GET /x failed',
      stack: 'Error: boom\n    at somewhere',
    });
  });

  it('writes nothing below LOG_LEVEL, and keeps Nest start-up inventory at debug', () => {
    const logger = new FreezerLogger('json', 'warn');
    logger.log('hidden');
    logger.debug('hidden too');
    logger.warn('shown');
    const verbose = new FreezerLogger('json', 'log');
    verbose.log('Mapped {/v2, GET} route', 'RouterExplorer');
    expect(output.stdout.map((line) => JSON.parse(line).message)).toEqual(['shown']);
  });

  it('adds structured fields, and names a request given explicitly', () => {
    const logger = new FreezerLogger('json', 'log');
    logger.event('log', 'HTTP', 'GET / 300', { method: 'GET', status: 300, duration_ms: 1.5 }, 'req-7');
    expect(JSON.parse(output.stdout[0])).toMatchObject({ context: 'HTTP', request_id: 'req-7', method: 'GET', status: 300, duration_ms: 1.5 });
  });

  it('writes readable lines in text format', () => {
    const logger = new FreezerLogger('text', 'log');
    logger.event('log', 'HTTP', 'GET / 300', { status: 300 }, 'req-9');
    expect(output.stdout[0]).toMatch(/^\S+Z LOG {5}\[HTTP\] \[req-9\] GET \/ 300 status=300\n$/);
  });
});
