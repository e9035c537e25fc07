// SPDX-License-Identifier: Apache-2.0
// Classifies errors raised by the pg driver (directly or wrapped by TypeORM).
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  '57P01', '57P02', '57P03', // admin shutdown, crash shutdown, cannot connect now
  '57014', // statement timeout (DB_STATEMENT_TIMEOUT_MS)
  '53300', // too many connections
]);

function driverError(error: unknown): { code?: string; message?: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const wrapped = (error as { driverError?: unknown }).driverError;
  return (typeof wrapped === 'object' && wrapped !== null ? wrapped : error) as { code?: string; message?: string };
}

export function isUniqueViolation(error: unknown): boolean {
  return driverError(error)?.code === '23505';
}

export function isDatabaseUnavailable(error: unknown): boolean {
  // TypeORM releases a transaction's query runner when its connection fails between two statements
  // (the server ended the session: restart, failover, pg_terminate_backend); the next statement or
  // the COMMIT then fails with one of these instead of a driver error.
  if (error instanceof QueryRunnerAlreadyReleasedError || error instanceof QueryRunnerProviderAlreadyReleasedError) return true;
  const cause = driverError(error);
  if (!cause) return false;
  if (cause.code && (UNAVAILABLE_CODES.has(cause.code) || cause.code.startsWith('08'))) return true;
  const message = cause.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}
