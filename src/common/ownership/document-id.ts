// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';

// Ids are 32 lowercase hex characters (a UUID4 without dashes), as freezer makes them.
export function newDocumentId(): string {
  return randomUUID().replaceAll('-', '');
}
