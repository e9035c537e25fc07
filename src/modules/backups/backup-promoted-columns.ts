// SPDX-License-Identifier: Apache-2.0
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';
import { jsonbKeys, keyValues } from '../../common/search/key-values.js';

// The columns the backups trigger (freezer_backups_promote) fills, computed here by the writers
// that insert backups (the API's POST, the import's bulk path) so that PostgreSQL need not run the
// trigger's PL/pgSQL, which walks the document five times, for each row.
// Each mirrors its SQL function exactly, down to the order of JSONB's keys; a test compares both on
// generated documents. Where JavaScript cannot be sure to print a number as PostgreSQL does (an
// exponent) or a time stamp's text holds anything but ASCII, it answers null and the row is left to
// the trigger.
export interface BackupPromotedColumns {
  backup_name: string;
  hostname: string;
  host_name: string;
  container: string;
  level: string;
  search_text: string;
  time_stamp: string | null;
}

class NotMirrored extends Error {}

// A number as numeric_out prints the JSONB number JSON.stringify wrote.
function numberText(value: number): string {
  const text = JSON.stringify(value);
  if (/[eE]/.test(text)) throw new NotMirrored();
  return text;
}

// freezer_doc_text(doc): the string and number leaves in jsonpath `strict $.**` order (the item,
// then each child and its descendants), joined by U+001F.
function docText(doc: JsonValue): string {
  const parts: string[] = [];
  const visit = (value: JsonValue): void => {
    if (typeof value === 'string') parts.push(value);
    else if (typeof value === 'number') parts.push(numberText(value));
    else if (Array.isArray(value)) for (const element of value) visit(element);
    else if (isJsonObject(value)) for (const key of jsonbKeys(value)) visit(value[key]!);
  };
  visit(doc);
  return parts.join('\u001f');
}

const TIME_STAMP_TEXT = /^[ \t\n\r\f\v]*-?[0-9]{1,18}(\.[0-9]+)?[ \t\n\r\f\v]*$/;

// time_stamp, else timestamp, of the metadata, as epoch seconds (the trigger's CASE).
function timeStamp(doc: JsonObject): string | null {
  const meta = doc.backup_metadata;
  if (!isJsonObject(meta)) return null;
  const stamp = meta.time_stamp === null || meta.time_stamp === undefined ? meta.timestamp : meta.time_stamp;
  if (typeof stamp === 'number') return numberText(stamp);
  if (typeof stamp !== 'string') return null;
  // PostgreSQL's \s depends on the server's locale outside ASCII
  if (/[^\u0020-\u007e\t\n\r\f\v]/.test(stamp)) throw new NotMirrored();
  return TIME_STAMP_TEXT.test(stamp) ? stamp.trim() : null;
}

export function backupPromotedColumns(doc: JsonObject): BackupPromotedColumns | null {
  try {
    const values = (key: string): string => JSON.stringify(keyValues(doc, key));
    return {
      backup_name: values('backup_name'),
      hostname: values('hostname'),
      host_name: values('host_name'),
      container: values('container'),
      level: values('level'),
      search_text: docText(doc),
      time_stamp: timeStamp(doc),
    };
  } catch (error) {
    if (error instanceof NotMirrored) return null;
    throw error;
  }
}
