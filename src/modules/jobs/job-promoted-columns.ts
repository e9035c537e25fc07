// SPDX-License-Identifier: Apache-2.0
import type { JsonObject } from '../../common/json/json.types.js';
import { keyValues } from '../../common/search/key-values.js';

// The columns the jobs trigger (freezer_jobs_promote) fills from the document, computed by the
// write that changes a job most often, the scheduler's write-back, so that PostgreSQL need not
// walk the document three times in PL/pgSQL for each (about 130 µs of its CPU per job). As JSON
// text, in the order of DocumentUpdatesAt's promoted columns; PostgreSQL reads them as JSONB, so a
// number reads as the same value the document holds, however JavaScript prints it.
export const JOB_PROMOTED_COLUMNS = ['client_id', 'status', 'event'] as const;

export function jobPromotedColumns(doc: JsonObject): string[] {
  return JOB_PROMOTED_COLUMNS.map((key) => JSON.stringify(keyValues(doc, key)));
}
