// SPDX-License-Identifier: Apache-2.0
import type { DataSource, EntityManager } from 'typeorm';

const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure

function sqlState(error: unknown): string | undefined {
  const cause = (error as { driverError?: { code?: string }; code?: string } | null) ?? undefined;
  return cause?.driverError?.code ?? cause?.code;
}

// A transaction that PostgreSQL may abort to break a deadlock between writers locking the same
// rows in another order (a session and its jobs): it is run again, a few times, from the start.
export async function inTransaction<T>(db: DataSource, work: (em: EntityManager) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (attempt >= attempts || !RETRYABLE.has(sqlState(error) ?? '')) throw error;
    }
  }
}
