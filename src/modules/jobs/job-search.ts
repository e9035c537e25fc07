// SPDX-License-Identifier: Apache-2.0
import { RUN_KEYS } from '../../../migrations/1765100000000-JobRunState.js';
import type { SearchSpec } from '../../common/search/search-sql.js';

const RUN_KEY_SET: ReadonlySet<string> = new Set(RUN_KEYS);

// The rows of job_documents (owner_id, id) among `ids`, a query of (owner_id, id). The queries
// state the list's scope too (both tables have the owner columns), so that they read the
// caller's rows of an index, not every owner's.
const among = (ids: string) => `(owner_id, id) IN (${ids})`;

// Job searches run on the job_documents view (see the JobRunState migration). `doc` is the
// document with its run state, which every exact condition reads; the indexes over the stored
// document (`stored_doc`, jobs.doc) and over the last write-back's run state (job_status's
// run_pairs and run_text) together find every row a condition can match, and promoted status and
// event are indexed on job_status. client_id, never a run key, keeps its index on jobs.
export const JOB_SEARCH: SearchSpec = {
  docColumn: 'doc',
  promotedKeys: { client_id: 'client_id', status: 'status', event: 'event' },
  narrowing: {
    pair(key, pair, scope) {
      if (!RUN_KEY_SET.has(key)) return `freezer_leaf_pairs(stored_doc) @> ARRAY[${pair}]`;
      return among(`SELECT owner_id, id FROM jobs WHERE ${scope} AND freezer_leaf_pairs(doc) @> ARRAY[${pair}]
        UNION ALL SELECT owner_id, id FROM job_status WHERE ${scope} AND run_pairs @> ARRAY[${pair}]`);
    },
    text(pattern, scope) {
      return among(`SELECT owner_id, id FROM jobs WHERE ${scope} AND freezer_doc_text(doc) ILIKE ${pattern}
        UNION ALL SELECT owner_id, id FROM job_status WHERE ${scope} AND run_text ILIKE ${pattern}`);
    },
    // stated twice for the planner's estimate, as promotedContains does (search-sql.ts)
    promoted: {
      status: (values, scope) => among(`SELECT owner_id, id FROM job_status WHERE ${scope} AND status_values @> ${values} AND status_values @> ${values}`),
      event: (values, scope) => among(`SELECT owner_id, id FROM job_status WHERE ${scope} AND event_values @> ${values} AND event_values @> ${values}`),
    },
  },
};
