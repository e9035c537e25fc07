// SPDX-License-Identifier: Apache-2.0
import { queryRows } from '../../database/prepared-statements.js';
import type { Owner } from '../auth/request-context.js';
import type { JsonObject } from '../json/json.types.js';
import { getDocument, getDocumentText, type Queryable, type StoredDocument, type StoredText } from './owned-documents.js';

// Keys looked up at once at most: a statement's arrays stay small.
const MAX_BATCH = 128;

interface Waiting<R> {
  owner: Owner;
  id: string;
  resolve(row: R | null): void;
  reject(error: unknown): void;
}

/**
 * Reads of one document by its key that arrive together go to PostgreSQL together: the keys
 * asked for during one turn of the event loop are looked up by one statement (one round trip,
 * one primary-key probe each) instead of one statement each. Under load (schedulers fetching
 * their jobs, write-backs reading the job they merge into) most of a read's cost in both the
 * service and the database is the statement around the row, not the row. A lone read waits for
 * nothing: its turn of the loop ends at once, and it runs as the single-key statement it was.
 *
 * Only reads outside a transaction come here; a transaction reads through its own connection.
 */
abstract class DocumentReads<R> {
  private waiting: Array<Waiting<R>> = [];
  private scheduled = false;
  private readonly batchSql: string;

  constructor(
    protected readonly db: Queryable,
    protected readonly table: string,
    column: string,
  ) {
    // k.project_id NULL: the owner's documents in any project (a v1 or user-scoped read)
    this.batchSql = `SELECT k.n::int AS n, ${column}, t.version
      FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(owner_id, project_id, id, n)
      JOIN ${table} t ON t.owner_id = k.owner_id AND t.id = k.id
     WHERE k.project_id IS NULL OR t.project_id = k.project_id`;
  }

  read(owner: Owner, id: string): Promise<R | null> {
    return new Promise<R | null>((resolve, reject) => {
      this.waiting.push({ owner, id, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  protected abstract readOne(owner: Owner, id: string): Promise<R | null>;

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    for (let from = 0; from < all.length; from += MAX_BATCH) void this.lookUp(all.slice(from, from + MAX_BATCH));
  }

  private async lookUp(batch: Array<Waiting<R>>): Promise<void> {
    if (batch.length === 1) {
      const [{ owner, id, resolve, reject }] = batch as [Waiting<R>];
      return this.readOne(owner, id).then(resolve, reject);
    }
    let rows: Array<R & { n: number }>;
    try {
      rows = await queryRows<R & { n: number }>(this.db, this.batchSql, [
        batch.map((w) => w.owner.ownerId),
        batch.map((w) => w.owner.projectFilter),
        batch.map((w) => w.id),
      ]);
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    const found = new Array<R | null>(batch.length).fill(null);
    for (const { n, ...row } of rows) found[n - 1] = row as R;
    batch.forEach(({ resolve }, i) => resolve(found[i]!));
  }
}

// The stored document as it goes out in an answer (JSON text) and its version.
export class DocumentTextReads extends DocumentReads<StoredText> {
  constructor(db: Queryable, table: string) {
    super(db, table, 't.doc::text AS text');
  }

  protected readOne(owner: Owner, id: string): Promise<StoredText | null> {
    return getDocumentText(this.db, this.table, owner, id);
  }
}

// The stored document, parsed, and its version: what a write merges into.
export class DocumentObjectReads<T extends JsonObject> extends DocumentReads<StoredDocument<T>> {
  constructor(db: Queryable, table: string) {
    super(db, table, 't.doc');
  }

  protected readOne(owner: Owner, id: string): Promise<StoredDocument<T> | null> {
    return getDocument<T>(this.db, this.table, owner, id);
  }
}
