// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';

// What the import records of the document it made from a source row. The text is JSON.stringify of
// a document built in a fixed order from the row, so the same row always gives the same digest.
export function documentDigest(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}
