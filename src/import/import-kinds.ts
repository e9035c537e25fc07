// SPDX-License-Identifier: Apache-2.0
import { backupPromotedColumns, type BackupPromotedColumns } from '../modules/backups/backup-promoted-columns.js';
import type { JsonObject } from '../common/json/json.types.js';
import type { SourceDocument } from './documents/source-document.js';
import { ACTION_COLUMNS, actionFromRow } from './documents/action-row.js';
import { BACKUP_COLUMNS, backupFromRow } from './documents/backup-row.js';
import { CLIENT_COLUMNS, clientFromRow } from './documents/client-row.js';
import { JOB_COLUMNS, jobFromRow } from './documents/job-row.js';
import { SESSION_COLUMNS, sessionFromRow } from './documents/session-row.js';
import type { SourceRow, SourceTable } from './source/source-database.js';

// Who is alive in the source, for the cross-references the import mends (session members, a
// job's session): user id and document id.
export interface LiveIds {
  sessions: Set<string>;
  jobs: Set<string>;
}

export function liveKey(userId: string, id: string): string {
  return `${userId}\u0000${id}`;
}

// One collection: where it comes from, where it goes, how a row becomes its document.
export interface ImportKind {
  name: SourceTable;
  // the table of this service (the same name as the original's)
  table: string;
  // where its documents are read from, when not `table` (jobs: the view that adds their run state)
  readTable?: string;
  columns: readonly string[];
  // the order rows are taken in, where two rows can claim one id here (the earlier one wins)
  orderBy?: readonly string[];
  toDocument(row: SourceRow, live: LiveIds): SourceDocument;
  // batches written at once: one where rows of the source can meet on one id here (their order
  // decides), more where the source's primary key is the id
  writers?: number;
  // the columns its trigger computes, where the importer computes them instead
  promote?(doc: JsonObject): BackupPromotedColumns | null;
}

// In this order, so that a report reads as the objects depend on each other.
export const IMPORT_KINDS: readonly ImportKind[] = [
  // one user's client_id registered in two projects is one id here
  { name: 'clients', table: 'clients', columns: CLIENT_COLUMNS, orderBy: ['created_at', 'id'], toDocument: (row) => clientFromRow(row) },
  { name: 'actions', table: 'actions', columns: ACTION_COLUMNS, toDocument: (row) => actionFromRow(row) },
  {
    name: 'sessions',
    table: 'sessions',
    columns: SESSION_COLUMNS,
    toDocument: (row, live) => sessionFromRow(row, (userId, jobId) => live.jobs.has(liveKey(userId, jobId))),
  },
  {
    name: 'jobs',
    table: 'jobs',
    readTable: 'job_documents',
    columns: JOB_COLUMNS,
    toDocument: (row, live) => jobFromRow(row, (userId, sessionId) => live.sessions.has(liveKey(userId, sessionId))),
  },
  { name: 'backups', table: 'backups', columns: BACKUP_COLUMNS, toDocument: (row) => backupFromRow(row), promote: backupPromotedColumns, writers: 2 },
];
