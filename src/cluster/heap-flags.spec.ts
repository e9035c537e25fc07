// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { workerExecArgv } from './heap-flags.js';

describe('workerExecArgv', () => {
  it('adds the young-generation limit to the primary\'s arguments', () => {
    expect(workerExecArgv([])).toEqual(['--max-semi-space-size=16']);
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', '--max-semi-space-size=16']);
  });

  it('keeps an operator\'s own value', () => {
    expect(workerExecArgv(['--max-semi-space-size=8'])).toEqual(['--max-semi-space-size=8']);
    expect(workerExecArgv([], '--max-old-space-size=200 --max-semi-space-size=4')).toEqual([]);
  });
});
