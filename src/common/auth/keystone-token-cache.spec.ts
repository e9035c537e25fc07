// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { TokenCache } from './keystone-token-cache.js';

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('TokenCache', () => {
  it('keeps an entry for the TTL when the token lives longer', () => {
    const c = clock();
    const cache = new TokenCache<string>(2_000, 10, c.now);
    cache.set('tok', 'alice', c.now() + 3_600_000);
    c.advance(1_999);
    expect(cache.get('tok')).toBe('alice');
    c.advance(1);
    expect(cache.get('tok')).toBeUndefined();
  });

  it('keeps an entry only until the token expires when that comes first', () => {
    const c = clock();
    const cache = new TokenCache<string>(300_000, 10, c.now);
    cache.set('tok', 'alice', c.now() + 500);
    c.advance(499);
    expect(cache.get('tok')).toBe('alice');
    c.advance(1);
    expect(cache.get('tok')).toBeUndefined();
  });

  it('does not cache a token already expired', () => {
    const c = clock();
    const cache = new TokenCache<string>(300_000, 10, c.now);
    cache.set('tok', 'alice', c.now());
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry beyond its bound', () => {
    const c = clock();
    const cache = new TokenCache<string>(300_000, 2, c.now);
    const later = c.now() + 3_600_000;
    cache.set('a', 'A', later);
    cache.set('b', 'B', later);
    expect(cache.get('a')).toBe('A');
    cache.set('c', 'C', later);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
  });
});
