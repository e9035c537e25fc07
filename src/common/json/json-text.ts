// SPDX-License-Identifier: Apache-2.0
import type { Response } from 'express';

// Documents read for an answer leave PostgreSQL as JSON text (doc::text) and go out unchanged:
// parsing each into objects only to serialise it again cost Node about 4 µs per document (0.4 ms
// for a page of a hundred backups, all of it on the one event loop). The text is PostgreSQL's
// rendering of the stored JSONB: the same values, keys and order as JSON.stringify of the parsed
// document, spaced as Python's json.dumps.
export type JsonText = string & { readonly __json: unique symbol };

// `{"<key>": [<documents>]}`, the shape of every list answer (§4.2).
export function jsonListText(key: string, documents: readonly string[]): JsonText {
  return `{${JSON.stringify(key)}: [${documents.join(', ')}]}` as JsonText;
}

// Sends the text as the JSON answer of a handler that returns it (with @Res({ passthrough: true })):
// Express would otherwise label a string text/html.
export function asJsonAnswer(res: Response, text: JsonText): string {
  res.type('application/json');
  return text;
}
