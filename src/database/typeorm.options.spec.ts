// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { buildTypeOrmOptions } from './typeorm.options.js';

describe('buildTypeOrmOptions: the pool\'s clients', () => {
  // An 'error' with no listener would be thrown out of the socket's data handler and end the process.
  it('each client listens for errors from birth, so one the pool and TypeORM miss cannot crash the process', () => {
    const options = buildTypeOrmOptions({ poolSize: 2, statementTimeoutMs: 0 }, 'postgres://postgres@127.0.0.1:1/none');
    const Client = (options.extra as { Client: typeof pg.Client }).Client;
    const client = new Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    expect(client.listenerCount('error')).toBe(1);
    expect(() => client.emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).not.toThrow();
  });
});
