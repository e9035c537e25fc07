// SPDX-License-Identifier: Apache-2.0

export interface RateLimiterOptions {
  // requests allowed per window, and the burst a quiet caller may spend at once
  limit: number;
  windowMs: number;
  // most callers tracked at once; the least recently seen is forgotten first
  maxKeys?: number;
  // injectable so the unit tests never sleep
  now?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterS: number };

// The generic cell rate algorithm, a token bucket kept as one number per key: the "theoretical
// arrival time" at which the caller's bucket would be full again. `limit` requests may come at once,
// then one every windowMs / limit. Unlike a fixed window, a caller cannot send twice the limit
// across a window boundary, and a caller that keeps to the rate is never refused. Memory is
// bounded: a key whose time has passed says nothing a fresh one would not, so idle keys are swept,
// and the Map never grows past maxKeys (it is kept in least-recently-seen order by re-inserting
// on every touch).
export class RateLimiter {
  private readonly fullAt = new Map<string, number>();
  private readonly maxKeys: number;
  private readonly now: () => number;
  // time one request "costs", and how far ahead of now a caller may run (the burst)
  private readonly costMs: number;
  private readonly burstMs: number;
  private lastSweep: number;

  constructor(private readonly options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.maxKeys = options.maxKeys ?? 100_000;
    // monotonic: a wall-clock step (NTP) must neither free nor lock out every caller
    this.now = options.now ?? (() => performance.now());
    this.costMs = options.windowMs / options.limit;
    this.burstMs = options.windowMs - this.costMs;
    this.lastSweep = this.now();
  }

  get size(): number {
    return this.fullAt.size;
  }

  take(key: string): RateDecision {
    const now = this.now();
    this.sweep(now);
    const fullAt = Math.max(this.fullAt.get(key) ?? now, now);
    this.fullAt.delete(key);
    if (fullAt - now > this.burstMs) {
      // A refusal costs nothing, but the key counts as seen.
      this.fullAt.set(key, fullAt);
      // Whole seconds, at least 1: Retry-After takes an integer, and 0 would invite an instant retry.
      return { allowed: false, retryAfterS: Math.max(1, Math.ceil((fullAt - this.burstMs - now) / 1000)) };
    }
    this.fullAt.set(key, fullAt + this.costMs);
    this.evictOverflow();
    return { allowed: true };
  }

  // At most once per window, drop every key whose bucket is full again: it is as good as absent.
  private sweep(now: number): void {
    if (now - this.lastSweep < this.options.windowMs) return;
    this.lastSweep = now;
    for (const [key, fullAt] of this.fullAt) {
      if (fullAt <= now) this.fullAt.delete(key);
    }
  }

  private evictOverflow(): void {
    while (this.fullAt.size > this.maxKeys) {
      const oldest = this.fullAt.keys().next().value;
      if (oldest === undefined) return;
      this.fullAt.delete(oldest);
    }
  }
}
