// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { headerText } from './header-text.js';

// How Node presents the bytes of a header value: one latin1 character per byte.
const asNodeReadsIt = (bytes: Buffer): string => bytes.toString('latin1');

describe('headerText', () => {
  it('reads UTF-8 bytes as UTF-8', () => {
    expect(headerText(asNodeReadsIt(Buffer.from('Zoë', 'utf8')))).toBe('Zoë');
    expect(headerText(asNodeReadsIt(Buffer.from('Дарья 山田 🧊', 'utf8')))).toBe('Дарья 山田 🧊');
  });

  it('keeps ASCII as it is', () => {
    expect(headerText('alice:demo')).toBe('alice:demo');
  });

  it('keeps the latin1 reading of bytes that are not valid UTF-8', () => {
    expect(headerText(asNodeReadsIt(Buffer.from([0x5a, 0x6f, 0xeb])))).toBe('Zoë');
    // a lone continuation byte, an overlong encoding, a truncated sequence
    for (const bytes of [[0x80], [0xc0, 0xaf], [0xe2, 0x82]]) {
      const latin1 = asNodeReadsIt(Buffer.from(bytes));
      expect(headerText(latin1)).toBe(latin1);
    }
  });
});
