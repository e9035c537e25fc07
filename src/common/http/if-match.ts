// SPDX-License-Identifier: Apache-2.0
import { PreconditionFailedError } from '../errors/freezer-errors.js';

// D6: a document's ETag is its version, strong and quoted.
export function etagOf(version: number): string {
  return `"${version}"`;
}

// `*`, one tag or a comma list; W/"3" and "3" compare by value. Undefined header: no condition.
export function ifMatchAccepts(header: string | undefined, version: number): boolean {
  if (header === undefined || header.trim() === '') return true;
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag.replace(/^"(.*)"$/, '$1') === String(version);
  });
}

export function checkIfMatch(header: string | undefined, version: number): void {
  if (!ifMatchAccepts(header, version)) throw new PreconditionFailedError(version);
}

// For a replace, which may create the document: If-Match requires one to exist (RFC 9110 §13.1.1).
export function checkIfMatchBeforeReplace(header: string | undefined, current: { version: number } | null): void {
  if (header === undefined) return;
  if (current === null) throw new PreconditionFailedError(null);
  checkIfMatch(header, current.version);
}
