// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import { queryRows } from '../../database/prepared-statements.js';
import type { Owner } from '../auth/request-context.js';
import { isDatabaseUnavailable } from '../errors/database-errors.js';
import type { JsonObject } from '../json/json.types.js';
import type { Queryable } from './owned-documents.js';

// Documents written at once at most. PostgreSQL runs one statement on one core, and a job's
// document costs it most of a millisecond (its search indexes): the writes of one turn split into
// several statements keep every core and several pooled connections busy, where one statement of
// them all left a core idle (scheduler write-backs, when each rewrote the whole job: 935 req/s in
// batches of up to 64, 1,100-1,150 in batches of up to 6). A batch that fails and is written again
// row by row costs little.
const DOCUMENTS_PER_BATCH = 6;
// A failed batch is logged at most this often.
const LOG_EVERY_MS = 10_000;

// The setting a table's promote trigger reads to stand aside (see the migrations).
const WRITER_SETTING = 'freezer.promoted_by_writer';

// Columns a table's trigger fills from the document that the writer computes instead.
export interface WriterPromoted {
  columns: readonly string[];
  // their values for a document, as JSON text, in the order of `columns`
  compute(doc: JsonObject): string[];
}

// One optimistic write: the row of (owner, id) if it is still at `version`.
export interface VersionedWrite {
  owner: Owner;
  id: string;
  version: number;
}

interface Waiting<W> {
  write: W;
  resolve(version: number | null): void;
  reject(error: unknown): void;
}

/**
 * The optimistic writes of a read-decide-write (a row changed if it is still at the version read,
 * see updateDocumentAt) that arrive together are written together: those handed in during one
 * turn of the event loop go to PostgreSQL in a few statements of up to maxBatch rows each (one
 * round trip and one commit each, running at once on several connections), and each write is
 * answered once its statement is committed. Under load (schedulers writing back their jobs' runs)
 * most of a write's cost is the statement and the commit around the row, not the row.
 *
 * Each write gets what it would have got alone: the new version, or null when the row is no
 * longer at the version read (another write came first; the caller then decides again under a
 * lock). Two writes of one row in one batch: the row takes one of them and the other answers null
 * and goes the locked way, as if it had come second. Rows are written in key order, so that two
 * batches cannot deadlock. A batch that fails (a value the database refuses) is written again row
 * by row, so that each write gets its own answer; one that fails because the database cannot be
 * reached fails every write of it.
 *
 * A subclass gives the statement: it takes params(batch) and answers (n, version) for each row it
 * wrote, n counting the batch's writes from 1.
 */
export abstract class VersionedBatchWrites<W extends VersionedWrite> {
  private waiting: Array<Waiting<W>> = [];
  private scheduled = false;
  private readonly logger = new Logger(this.constructor.name);
  private lastLogged = 0;

  protected constructor(
    private readonly db: Queryable,
    private readonly table: string,
    private readonly batchSql: string,
    // rows written by one statement at most
    private readonly maxBatch: number,
  ) {}

  protected abstract params(batch: readonly W[]): unknown[];

  // The new version, or null when the row is no longer at `write.version`.
  protected enqueue(write: W): Promise<number | null> {
    return new Promise<number | null>((resolve, reject) => {
      this.waiting.push({ write, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting.sort((a, b) => compare(a.write.owner.ownerId, b.write.owner.ownerId) || compare(a.write.id, b.write.id));
    this.waiting = [];
    for (let from = 0; from < all.length; from += this.maxBatch) void this.writeBatch(all.slice(from, from + this.maxBatch));
  }

  private async writeBatch(batch: Array<Waiting<W>>): Promise<void> {
    let rows: Array<{ n: number | null; version: number }>;
    try {
      rows = await queryRows<{ n: number | null; version: number }>(this.db, this.batchSql, this.params(batch.map((w) => w.write)));
    } catch (error) {
      if (isDatabaseUnavailable(error) || batch.length === 1) {
        for (const { reject } of batch) reject(error);
        return;
      }
      this.logFailedBatch(batch.length, error);
      await Promise.all(batch.map((waiting) => this.writeBatch([waiting])));
      return;
    }
    const versions = new Array<number | null>(batch.length).fill(null);
    for (const { n, version } of rows) if (n !== null) versions[n - 1] = version;
    batch.forEach(({ resolve }, i) => resolve(versions[i]!));
  }

  private logFailedBatch(rows: number, error: unknown): void {
    const now = Date.now();
    if (now - this.lastLogged < LOG_EVERY_MS) return;
    this.lastLogged = now;
    const code = (error as { code?: unknown }).code;
    this.logger.warn(`A batch of ${rows} ${this.table} writes failed (SQLSTATE ${typeof code === 'string' ? code : 'unknown'}); writing them one by one`);
  }
}

interface DocumentWrite extends VersionedWrite {
  doc: JsonObject;
}

/**
 * Documents replaced in batches (see VersionedBatchWrites). The writer also hands in the columns
 * the table's trigger would compute from each document (`promoted`), and the trigger stands aside.
 */
export class DocumentUpdatesAt extends VersionedBatchWrites<DocumentWrite> {
  constructor(
    db: Queryable,
    table: string,
    private readonly promoted: WriterPromoted,
  ) {
    super(db, table, batchSql(table, promoted.columns), DOCUMENTS_PER_BATCH);
  }

  // The new version, or null when the row is no longer at `version`.
  write(owner: Owner, id: string, doc: JsonObject, version: number): Promise<number | null> {
    return this.enqueue({ owner, id, doc, version });
  }

  protected params(batch: readonly DocumentWrite[]): unknown[] {
    const promoted = batch.map((w) => this.promoted.compute(w.doc));
    return [
      batch.map((w) => w.owner.ownerId),
      batch.map((w) => w.owner.projectFilter),
      batch.map((w) => w.id),
      batch.map((w) => w.version),
      batch.map((w) => JSON.stringify(w.doc)),
      ...this.promoted.columns.map((_, i) => promoted.map((values) => values[i])),
    ];
  }
}

// The writer's columns go in with the document, and the table's trigger stands aside for this
// statement's rows (its WHEN reads the setting): the setting is made before the rows reach the
// trigger and undone by the same statement once every row is written, as the backups' INSERT does.
// The LEFT JOIN makes the undoing part of the answer even when no row was written. u.project_id
// NULL: the owner's document in any project (a v1 or user-scoped write).
function batchSql(table: string, columns: readonly string[]): string {
  const names = columns.map((_, i) => `p${i}`);
  const arrays = columns.map((_, i) => `$${6 + i}::text[]`);
  const set = columns.map((column, i) => `${column} = u.${names[i]}::jsonb`).join(', ');
  return `WITH written AS (
      UPDATE ${table} AS t SET doc = u.doc::jsonb, ${set}, version = t.version + 1, updated_at = clock_timestamp()
        FROM (SELECT set_config('${WRITER_SETTING}', 'on', true)) AS writer,
             unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], ${arrays.join(', ')})
               WITH ORDINALITY AS u(owner_id, project_id, id, version, doc, ${names.join(', ')}, n)
       WHERE t.owner_id = u.owner_id AND t.id = u.id AND t.version = u.version AND (u.project_id IS NULL OR t.project_id = u.project_id)
      RETURNING u.n::int AS n, t.version),
    undone AS (SELECT set_config('${WRITER_SETTING}', 'off', true) FROM (SELECT count(*) FROM written) AS c)
    SELECT w.n, w.version FROM undone LEFT JOIN written AS w ON true`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
