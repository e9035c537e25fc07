// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from './json.types.js';
import { mergeDocument } from './merge-document.js';

describe('mergeDocument', () => {
  it('merges nested objects key by key and keeps untouched keys', () => {
    const stored = { description: 'd', job_schedule: { event: 'start', status: 'running', schedule_interval: '1 days' } };
    const patch = { job_schedule: { schedule_interval: '2 hours' } };
    expect(mergeDocument(stored, patch)).toEqual({
      description: 'd',
      job_schedule: { event: 'start', status: 'running', schedule_interval: '2 hours' },
    });
  });

  it('merges at every depth', () => {
    expect(mergeDocument({ a: { b: { c: 1, d: 2 } } }, { a: { b: { d: 3, e: 4 } } })).toEqual({ a: { b: { c: 1, d: 3, e: 4 } } });
  });

  it('replaces arrays instead of merging them', () => {
    expect(mergeDocument({ job_actions: [{ a: 1 }, { b: 2 }] }, { job_actions: [{ c: 3 }] })).toEqual({ job_actions: [{ c: 3 }] });
  });

  it('replaces scalars, and null sets null', () => {
    expect(mergeDocument({ a: 1, b: 'x', c: { d: 1 } }, { a: 'one', b: null, c: null })).toEqual({ a: 'one', b: null, c: null });
  });

  it('replaces a scalar with an object and an object with a scalar', () => {
    expect(mergeDocument({ a: 1, b: { c: 1 } }, { a: { x: 1 }, b: 2 })).toEqual({ a: { x: 1 }, b: 2 });
  });

  it('does not modify its inputs nor share nested objects with the patch', () => {
    const stored: JsonObject = { a: { b: 1 } };
    const patch = { a: { c: [1, 2] }, d: { e: 1 } };
    const merged = mergeDocument(stored, patch);
    expect(stored).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { c: [1, 2] }, d: { e: 1 } });
    (merged.d as { e: number }).e = 2;
    expect(patch.d.e).toBe(1);
  });

  it('an empty patch changes nothing', () => {
    expect(mergeDocument({ a: { b: 1 } }, {})).toEqual({ a: { b: 1 } });
  });
});
