// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { RateLimiter } from './rate-limiter.js';

// A clock the test moves by hand: no sleeping, no timing.
function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('RateLimiter', () => {
  it('allows a burst of `limit` requests, then refuses with the seconds until the next token', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limit: 3, windowMs: 60_000, now: clock.now });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    // one token comes back every 20 s
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 20 });
    clock.advance(5_000);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 15 });
  });

  it('rounds Retry-After up to whole seconds, never below 1', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, now: clock.now });
    expect(limiter.take('a')).toEqual({ allowed: true });
    clock.advance(59_999);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 1 });
    clock.advance(500);
    expect(limiter.take('a')).toEqual({ allowed: true });
    clock.advance(1_500);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 59 });
  });

  it('lets a caller that keeps to the rate through forever', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limit: 2, windowMs: 10_000, now: clock.now });
    const decisions = Array.from({ length: 100 }, () => {
      clock.advance(5_000);
      return limiter.take('steady').allowed;
    });
    expect(decisions.every((allowed) => allowed)).toBe(true);
  });

  it('does not let refused requests spend tokens, and refills to at most the limit', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limit: 2, windowMs: 10_000, now: clock.now });
    limiter.take('a');
    limiter.take('a');
    for (let i = 0; i < 10; i += 1) expect(limiter.take('a').allowed).toBe(false);
    clock.advance(5_000);
    expect(limiter.take('a')).toEqual({ allowed: true });
    clock.advance(1_000_000);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterS: 5 },
    ]);
  });

  it('keeps one bucket per key', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, now: clock.now });
    expect([limiter.take('user:a'), limiter.take('user:b'), limiter.take('user:a')]).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterS: 60 },
    ]);
  });

  it('forgets idle callers once their bucket is full again, at most once per window', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limit: 2, windowMs: 10_000, now: clock.now });
    for (let i = 0; i < 50; i += 1) limiter.take(`idle-${i}`);
    expect(limiter.size).toBe(50);
    clock.advance(4_000);
    limiter.take('busy');
    limiter.take('busy');
    // not a window since the last sweep yet
    expect(limiter.size).toBe(51);
    clock.advance(6_000);
    // the idle callers spent one request 10 s ago (one comes back every 5 s); 'busy' is still short
    expect(limiter.take('busy')).toEqual({ allowed: true });
    expect(limiter.size).toBe(1);
    expect(limiter.take('busy')).toEqual({ allowed: false, retryAfterS: 4 });
  });

  it('never tracks more than maxKeys callers, forgetting the least recently seen first', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 3, now: clock.now });
    for (const key of ['a', 'b', 'c']) limiter.take(key);
    limiter.take('a'); // refused, but seen: 'b' is now the least recent
    limiter.take('d');
    expect(limiter.size).toBe(3);
    // 'a' and 'c' are still remembered; 'b' was forgotten, so it starts afresh
    expect([limiter.take('c'), limiter.take('a'), limiter.take('b')].map((d) => d.allowed)).toEqual([false, false, true]);
  });

  it('refuses options that cannot limit anything', () => {
    expect(() => new RateLimiter({ limit: 0, windowMs: 1_000 })).toThrow('limit must be a positive integer');
    expect(() => new RateLimiter({ limit: 1.5, windowMs: 1_000 })).toThrow('limit must be a positive integer');
    expect(() => new RateLimiter({ limit: 1, windowMs: 0 })).toThrow('windowMs must be positive');
  });
});
