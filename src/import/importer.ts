// SPDX-License-Identifier: Apache-2.0
import type { DataSource } from 'typeorm';
import type { FreezerScope } from '../config/env.validation.js';
import { writeBatch, type PendingDocument, type WriteOptions } from './batch-writer.js';
import { documentDigest } from './document-digest.js';
import { isDeleted, RefusedRow } from './documents/source-document.js';
import { IMPORT_KINDS, liveKey, type ImportKind, type LiveIds } from './import-kinds.js';
import type { Progress } from './progress.js';
import { emptyTally, type Tally } from './reconciliation.js';
import type { RefusedLog } from './refused-log.js';
import type { SourceDatabase, SourceRow } from './source/source-database.js';

export interface ImportOptions extends WriteOptions {
  scope: FreezerScope;
  batchSize: number;
  kinds: readonly ImportKind[];
  // batches in flight at most, whatever a kind allows
  maxWriters: number;
}

export const DEFAULT_BATCH_SIZE = 1000;

// The ids alive in the source that other rows refer to (session members, a job's session).
export async function readLiveIds(source: SourceDatabase): Promise<LiveIds> {
  const live: LiveIds = { sessions: new Set(), jobs: new Set() };
  for (const [table, set] of [['sessions', live.sessions], ['jobs', live.jobs]] as const) {
    for await (const row of source.rows(table, ['id', 'user_id', 'deleted'])) {
      if (!isDeleted(row) && row.id !== null && row.user_id !== null) set.add(liveKey(String(row.user_id), String(row.id)));
    }
  }
  return live;
}

// Who owns the document here (D4): its user, or in scope `project` its project, which a row the
// original wrote through v1 does not have.
function ownerIdOf(scope: FreezerScope, userId: string, projectId: string | null): string {
  if (scope === 'user') return userId;
  if (projectId === null || projectId === '') {
    throw new RefusedRow('written through v1 without a project: it cannot be owned in FREEZER_SCOPE=project');
  }
  return projectId;
}

// Makes a source row into what the batch writer needs, or says why it cannot be taken.
export function prepareRow(kind: ImportKind, row: SourceRow, live: LiveIds, scope: FreezerScope): PendingDocument {
  const source = kind.toDocument(row, live);
  const ownerId = ownerIdOf(scope, source.userId, source.projectId);
  const promoted = kind.promote?.(source.doc) ?? null;
  const text = JSON.stringify(source.doc);
  return { source, ownerId, digest: documentDigest(text), text, promoted, row };
}

// Streams every table of the source through the batch writer; one tally per kind.
export async function importAll(
  db: DataSource,
  source: SourceDatabase,
  options: ImportOptions,
  refused: RefusedLog,
  progress: Progress,
): Promise<Map<string, Tally>> {
  const live = await readLiveIds(source);
  const tallies = new Map<string, Tally>();
  for (const kind of options.kinds) {
    const tally = emptyTally();
    tallies.set(kind.name, tally);
    progress.begin(kind.name, await source.count(kind.name));
    let batch: PendingDocument[] = [];
    // batches written at once (each in its own transaction) while the next is read and prepared
    const writing = new Set<Promise<void>>();
    const writers = Math.min(kind.writers ?? 1, options.maxWriters);
    const flush = async (items: PendingDocument[]): Promise<void> => {
      const decisions = await writeBatch(db, kind.name, { table: kind.table, readTable: kind.readTable ?? kind.table }, items, options);
      for (const decision of decisions) {
        tally[decision.outcome]++;
        if (decision.conflict) tally.conflicts++;
        if (decision.outcome === 'refused') await refused.write(kind.name, decision.item.row, decision.reason ?? 'refused');
      }
      progress.advance(items.length);
    };
    for await (const row of source.rows(kind.name, kind.columns, kind.orderBy)) {
      tally.read++;
      if (isDeleted(row)) {
        tally.deleted++;
        progress.advance(1);
        continue;
      }
      try {
        batch.push(prepareRow(kind, row, live, options.scope));
      } catch (error) {
        if (!(error instanceof RefusedRow)) throw error;
        tally.refused++;
        await refused.write(kind.name, row, error.message);
        progress.advance(1);
        continue;
      }
      if (batch.length >= options.batchSize) {
        while (writing.size >= writers) await Promise.race(writing);
        const write = flush(batch);
        batch = [];
        writing.add(write);
        // a failure surfaces in the race or the final wait; this only keeps it from counting as unhandled
        write.then(() => writing.delete(write), () => undefined);
      }
    }
    if (batch.length > 0) writing.add(flush(batch));
    await Promise.all(writing);
    progress.end();
  }
  return tallies;
}
