// SPDX-License-Identifier: Apache-2.0
import type { DataSource, QueryRunner } from 'typeorm';
import { jsonEqual } from '../common/json/json-equal.js';
import type { JsonValue } from '../common/json/json.types.js';
import { queryRows } from '../database/prepared-statements.js';
import type { BackupPromotedColumns } from '../modules/backups/backup-promoted-columns.js';
import type { SourceDocument } from './documents/source-document.js';
import type { Outcome } from './reconciliation.js';
import type { SourceRow } from './source/source-database.js';

// A source row made into its document, waiting to be written with the rest of its batch.
export interface PendingDocument {
  source: SourceDocument;
  ownerId: string;
  digest: string;
  text: string;
  // the trigger's columns, computed by the importer (backups only; null: left to the trigger)
  promoted: BackupPromotedColumns | null;
  row: SourceRow;
}

export interface Decision {
  item: PendingDocument;
  outcome: Exclude<Outcome, 'deleted'>;
  reason?: string;
  conflict?: boolean;
}

export interface WriteOptions {
  dryRun: boolean;
  overwrite: boolean;
}

// What this database holds for one key: the document row and what the last import wrote.
interface Existing {
  owner_id: string;
  id: string;
  version: number | null;
  project_id: string | null;
  doc: string | null;
  state_digest: string | null;
  state_version: number | null;
  // the row is not the one the last import wrote: deleted and created again here since
  recreated: boolean;
}

type Plan = { action: 'insert' | 'update' | 'record' | 'none'; decision: Decision; expectedVersion?: number };

const CHANGED_HERE = 'changed through this service since the last import';

// Decides what one row needs from what is stored (see the README's "Migrating from freezer-api").
function plan(item: PendingDocument, existing: Existing | undefined, overwrite: boolean): Plan {
  const { source } = item;
  const conflict = (reason: string, expectedVersion?: number): Plan =>
    overwrite
      ? { action: expectedVersion === undefined ? 'insert' : 'update', expectedVersion, decision: { item, outcome: expectedVersion === undefined ? 'imported' : 'updated' } }
      : { action: 'none', decision: { item, outcome: 'refused', conflict: true, reason: `conflict: ${reason} (--overwrite replaces it)` } };
  if (existing === undefined || existing.version === null) {
    if (existing?.state_digest) return conflict('the document was deleted through this service since the last import');
    return { action: 'insert', decision: { item, outcome: 'imported' } };
  }
  const version = existing.version;
  if (existing.project_id !== source.projectId) {
    return {
      action: 'none',
      decision: { item, outcome: 'refused', reason: `id clash: the owner already holds this id in project ${projectName(existing.project_id)}` },
    };
  }
  if (existing.state_digest === null) {
    // there before any import: the same document, or someone else's creation with this id
    if (existing.doc !== null && jsonEqual(JSON.parse(existing.doc) as JsonValue, source.doc)) {
      return { action: 'record', expectedVersion: version, decision: { item, outcome: 'unchanged' } };
    }
    return conflict('a different document with this id exists that no import wrote', version);
  }
  const sourceChanged = existing.state_digest !== item.digest;
  if (!sourceChanged) return { action: 'none', decision: { item, outcome: 'unchanged' } };
  if (existing.recreated) return conflict('the source row changed and the document was deleted and created again through this service since the last import', version);
  const changedHere = existing.state_version !== version;
  if (changedHere) return conflict(`the source row changed and the document was ${CHANGED_HERE}`, version);
  return { action: 'update', expectedVersion: version, decision: { item, outcome: 'updated' } };
}

function projectName(projectId: string | null): string {
  return projectId ?? '(none: written through v1)';
}

function keyOf(ownerId: string, id: string): string {
  return `${ownerId}\u0000${id}`;
}

// Writes one batch in one transaction: every document of it and its import record, or nothing
// (an import killed half-way leaves whole batches; the next run finds them unchanged).
// Where a kind's documents are written, and read from (a view can add to what the table holds).
export interface KindTables {
  table: string;
  readTable: string;
}

export async function writeBatch(db: DataSource, kind: string, { table, readTable }: KindTables, items: PendingDocument[], options: WriteOptions): Promise<Decision[]> {
  const decisions: Decision[] = [];
  // two rows of the source with one key here (the same user's client_id in two projects)
  const seen = new Map<string, PendingDocument>();
  const unique: PendingDocument[] = [];
  for (const item of items) {
    const key = keyOf(item.ownerId, item.source.id);
    const first = seen.get(key);
    if (first) decisions.push({ item, outcome: 'refused', reason: `id clash: the owner already holds this id in project ${projectName(first.source.projectId)} (an earlier row of the source)` });
    else {
      seen.set(key, item);
      unique.push(item);
    }
  }
  if (unique.length === 0) return decisions;
  const runner = db.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction();
    const existing = await readExisting(runner, kind, readTable, unique);
    const plans = unique.map((item) => plan(item, existing.get(keyOf(item.ownerId, item.source.id)), options.overwrite));
    if (!options.dryRun) await apply(runner, kind, table, plans);
    await runner.commitTransaction();
    decisions.push(...plans.map((p) => p.decision));
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
  return decisions;
}

async function readExisting(runner: QueryRunner, kind: string, table: string, items: PendingDocument[]): Promise<Map<string, Existing>> {
  const rows = await queryRows<Existing>(
    runner,
    `SELECT k.owner_id, k.id, t.version, t.project_id,
            CASE WHEN s.id IS NULL THEN t.doc::text END AS doc,
            s.source_digest AS state_digest, s.version AS state_version,
            s.document_created_at IS DISTINCT FROM t.created_at AS recreated
       FROM unnest($1::text[], $2::text[]) AS k(owner_id, id)
       LEFT JOIN ${table} t ON t.owner_id = k.owner_id AND t.id = k.id
       LEFT JOIN freezer_import_state s ON s.kind = $3 AND s.owner_id = k.owner_id AND s.id = k.id
      WHERE t.id IS NOT NULL OR s.id IS NOT NULL`,
    [items.map((item) => item.ownerId), items.map((item) => item.source.id), kind],
  );
  return new Map(rows.map((row) => [keyOf(row.owner_id, row.id), row]));
}

async function apply(runner: QueryRunner, kind: string, table: string, plans: Plan[]): Promise<void> {
  const recorded: Array<{ item: PendingDocument; version: number }> = [];
  const inserts = plans.filter((p) => p.action === 'insert');
  if (inserts.length > 0) {
    const done = new Set<string>();
    const promoted = inserts.filter((p) => p.decision.item.promoted !== null).map((p) => p.decision.item);
    const others = inserts.filter((p) => p.decision.item.promoted === null).map((p) => p.decision.item);
    if (promoted.length > 0) for (const key of await insertPromoted(runner, table, promoted)) done.add(key);
    if (others.length > 0) for (const key of await insertDocuments(runner, table, others)) done.add(key);
    for (const p of inserts) {
      if (done.has(keyOf(p.decision.item.ownerId, p.decision.item.source.id))) recorded.push({ item: p.decision.item, version: 1 });
      else markRaced(p);
    }
  }
  const updates = plans.filter((p) => p.action === 'update');
  if (updates.length > 0) {
    const items = updates.map((p) => p.decision.item);
    const written = await queryRows<{ owner_id: string; id: string; version: number }>(
      runner,
      `UPDATE ${table} AS t SET doc = x.d::jsonb, project_id = x.p, user_id = x.u, version = t.version + 1, updated_at = clock_timestamp()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) AS x(o, i, p, u, v, d)
        WHERE t.owner_id = x.o AND t.id = x.i AND t.version = x.v
        RETURNING t.owner_id, t.id, t.version`,
      [
        items.map((item) => item.ownerId),
        items.map((item) => item.source.id),
        items.map((item) => item.source.projectId),
        items.map((item) => item.source.userId),
        updates.map((p) => p.expectedVersion!),
        items.map((item) => item.text),
      ],
    );
    const versions = new Map(written.map((row) => [keyOf(row.owner_id, row.id), row.version]));
    for (const p of updates) {
      const version = versions.get(keyOf(p.decision.item.ownerId, p.decision.item.source.id));
      if (version !== undefined) recorded.push({ item: p.decision.item, version });
      else markRaced(p);
    }
  }
  for (const p of plans) if (p.action === 'record') recorded.push({ item: p.decision.item, version: p.expectedVersion! });
  if (recorded.length === 0) return;
  // the creation time read back from the row written: what tells it from a later one with its id
  await runner.query(
    `INSERT INTO freezer_import_state (kind, owner_id, id, source_digest, version, source_updated_at, document_created_at)
     SELECT $1, o, i, d, v, u, t.created_at
       FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[]) AS x(o, i, d, v, u)
       JOIN ${table} t ON t.owner_id = x.o AND t.id = x.i
     ON CONFLICT (kind, owner_id, id) DO UPDATE
       SET source_digest = EXCLUDED.source_digest, version = EXCLUDED.version, source_updated_at = EXCLUDED.source_updated_at,
           document_created_at = EXCLUDED.document_created_at, imported_at = clock_timestamp()`,
    [
      kind,
      recorded.map((r) => r.item.ownerId),
      recorded.map((r) => r.item.source.id),
      recorded.map((r) => r.item.digest),
      recorded.map((r) => r.version),
      recorded.map((r) => r.item.source.updatedAt ?? r.item.source.createdAt),
    ],
  );
}

function ownerColumns(items: PendingDocument[]): unknown[] {
  return [
    items.map((item) => item.ownerId),
    items.map((item) => item.source.id),
    items.map((item) => item.source.projectId),
    items.map((item) => item.source.userId),
    items.map((item) => item.source.createdAt),
    items.map((item) => item.text),
  ];
}

// Rows as every writer of this service inserts them: the table's triggers fill the promoted columns.
async function insertDocuments(runner: QueryRunner, table: string, items: PendingDocument[]): Promise<string[]> {
  const written = await queryRows<{ owner_id: string; id: string }>(
    runner,
    `INSERT INTO ${table} (owner_id, id, project_id, user_id, created_at, doc)
     SELECT o, i, p, u, coalesce(c, clock_timestamp()), d::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS x(o, i, p, u, c, d)
     ON CONFLICT (owner_id, id) DO NOTHING
     RETURNING owner_id, id`,
    ownerColumns(items),
  );
  return written.map((row) => keyOf(row.owner_id, row.id));
}

// Backups with the columns the trigger would compute, computed by the importer; the trigger stands
// aside for this statement only (see migrations/1764800000000-ImportState.ts).
async function insertPromoted(runner: QueryRunner, table: string, items: PendingDocument[]): Promise<string[]> {
  const column = (name: keyof BackupPromotedColumns) => items.map((item) => item.promoted![name]);
  await runner.query(`SELECT set_config('freezer.promoted_by_writer', 'on', true)`);
  const written = await queryRows<{ owner_id: string; id: string }>(
    runner,
    `INSERT INTO ${table} (owner_id, id, project_id, user_id, created_at, doc,
                           backup_name, hostname, host_name, container, level, search_text, time_stamp)
     SELECT o, i, p, u, coalesce(c, clock_timestamp()), d::jsonb, bn::jsonb, hn::jsonb, hn2::jsonb, ct::jsonb, lv::jsonb, st, ts
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                   $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::numeric[])
            AS x(o, i, p, u, c, d, bn, hn, hn2, ct, lv, st, ts)
     ON CONFLICT (owner_id, id) DO NOTHING
     RETURNING owner_id, id`,
    [
      ...ownerColumns(items),
      column('backup_name'),
      column('hostname'),
      column('host_name'),
      column('container'),
      column('level'),
      column('search_text'),
      column('time_stamp'),
    ],
  );
  await runner.query(`SELECT set_config('freezer.promoted_by_writer', 'off', true)`);
  return written.map((row) => keyOf(row.owner_id, row.id));
}

// A write of this service came in between the read and the write of this batch.
function markRaced(p: Plan): void {
  p.decision.outcome = 'refused';
  p.decision.conflict = true;
  p.decision.reason = `conflict: ${CHANGED_HERE} while the import ran (run the import again)`;
}
