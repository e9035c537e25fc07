// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { needsAnalyze } from './table-statistics.js';

describe('needsAnalyze', () => {
  it.each([
    // never analyzed (reltuples -1): from 1000 rows written on
    [-1, 999, false],
    [-1, 1000, true],
    // an analyzed table: 1000 rows plus a fifth of it
    [0, 1000, true],
    [10_000, 2_999, false],
    [10_000, 3_000, true],
    [1_000_000, 150_000, false],
    [1_000_000, 201_000, true],
  ])('a table of %d estimated rows with %d written since its analysis: %s', (estimatedRows, changedSinceAnalyze, expected) => {
    expect(needsAnalyze({ table: 't', estimatedRows, changedSinceAnalyze })).toBe(expected);
  });
});
