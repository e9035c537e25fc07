// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError, TypeORMError } from 'typeorm';
import { isDatabaseUnavailable, isUniqueViolation } from './database-errors.js';

// What pg raises, as TypeORM hands it on: a server error (code, message) wrapped in QueryFailedError.
function serverError(code: string, message: string): QueryFailedError {
  return new QueryFailedError('INSERT INTO backups ...', [], Object.assign(new Error(message), { code }));
}

function socketError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

// The errors seen when PostgreSQL restarts, stops, or ends sessions under load: all answered 503.
describe('isDatabaseUnavailable', () => {
  it.each([
    ['57P01 terminating connection due to administrator command', serverError('57P01', 'terminating connection due to administrator command')],
    ['57P01 as the bare pg error (no TypeORM wrapper)', socketError('57P01', 'terminating connection due to administrator command')],
    ['57P02 crash shutdown', serverError('57P02', 'terminating connection because of crash of another server process')],
    ['57P03 the database system is shutting down', serverError('57P03', 'the database system is shutting down')],
    ['57P03 the database system is starting up', serverError('57P03', 'the database system is starting up')],
    ['53300 too many connections', serverError('53300', 'sorry, too many clients already')],
    ['57014 statement timeout', serverError('57014', 'canceling statement due to statement timeout')],
    ['08006 connection failure', serverError('08006', 'connection failure')],
    ['ECONNREFUSED while connecting', socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['ECONNREFUSED from every address of a host name', Object.assign(new AggregateError([], 'connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['ECONNRESET on a read', socketError('ECONNRESET', 'read ECONNRESET')],
    ['Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
    ['Connection terminated unexpectedly, wrapped', new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly'))],
    ['a client whose connection failed', new QueryFailedError('SELECT 1', [], new Error('Client has encountered a connection error and is not queryable'))],
    ['the pool timing out a connect', new Error('timeout exceeded when trying to connect')],
    // TypeORM released the transaction's runner when its connection failed between two statements
    ['the next statement on that runner', new QueryRunnerAlreadyReleasedError()],
    ['the next query through its entity manager', new QueryRunnerProviderAlreadyReleasedError()],
  ])('%s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  // Bugs and bad data stay 500s (or their own answers), never hidden behind a 503.
  it.each([
    ['a unique violation', serverError('23505', 'duplicate key value violates unique constraint "backups_pkey"')],
    ['a missing table', serverError('42P01', 'relation "backups" does not exist')],
    ['a syntax error', serverError('42601', 'syntax error at or near "SELEC"')],
    ['another TypeORM error', new TypeORMError('Driver not Connected')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'doc')")],
    ['a string', 'Connection terminated unexpectedly'],
    ['null', null],
  ])('not: %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('isUniqueViolation', () => {
  it('recognises 23505, wrapped or bare, and nothing else', () => {
    expect(isUniqueViolation(serverError('23505', 'duplicate key'))).toBe(true);
    expect(isUniqueViolation(socketError('23505', 'duplicate key'))).toBe(true);
    expect(isUniqueViolation(serverError('57P01', 'terminating connection due to administrator command'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
