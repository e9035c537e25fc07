// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';

export type Clock = () => number;

// Validated tokens, each kept until min(its expiry, now + TTL) (D15, as keystonemiddleware), in a
// bounded LRU: a flood of distinct tokens evicts the least recently used, never grows the heap.
// Keys are SHA-256 digests, so the process does not hold callers' tokens.
export class TokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: Clock = Date.now,
  ) {}

  get(token: string): T | undefined {
    const key = digest(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.until <= this.now()) return undefined;
    // re-inserted: a Map iterates in insertion order, so the first key is the least recently used
    this.entries.set(key, entry);
    return entry.value;
  }

  // Caches `value` until min(expiresAt, now + TTL); a token already expired is not cached.
  set(token: string, value: T, expiresAt: number): void {
    const now = this.now();
    const until = Math.min(expiresAt, now + this.ttlMs);
    const key = digest(token);
    this.entries.delete(key);
    if (until <= now) return;
    this.entries.set(key, { value, until });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}
