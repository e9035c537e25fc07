// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../../common/errors/database-errors.js';
import { queryRows } from '../../database/prepared-statements.js';
import type { BackupPromotedColumns } from './backup-promoted-columns.js';

// One backup row as the POST writes it: its key, owner columns, document and search columns.
export interface BackupRow {
  ownerId: string;
  id: string;
  projectId: string | null;
  userId: string;
  doc: object;
  promoted: BackupPromotedColumns;
}

// Backups written at once at most: a statement's arrays stay small, and a batch that fails and is
// written again row by row costs little.
const MAX_BATCH = 64;

const COLUMNS = 'owner_id, id, project_id, user_id, doc, backup_name, hostname, host_name, container, level, search_text, time_stamp';

// The search columns come from the writer, so the table's trigger stands aside: the setting is
// made in the statement, before its rows reach the trigger, and undone by the same statement once
// every row is written, so that nothing else that might share the transaction's session (the
// embedded database serves every connection from one backend) finds it on.
const writerSays = (value: 'on' | 'off') => `set_config('freezer.promoted_by_writer', '${value}', true)`;

const INSERT_ONE = `
  WITH written AS (
    INSERT INTO backups (${COLUMNS})
    SELECT $1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12::numeric
      FROM (SELECT ${writerSays('on')}) AS writer
    RETURNING 1)
  SELECT ${writerSays('off')} FROM (SELECT count(*) FROM written) AS rows`;

const INSERT_MANY = `
  WITH written AS (
    INSERT INTO backups (${COLUMNS})
    SELECT o, i, p, u, d::jsonb, bn::jsonb, hn::jsonb, hn2::jsonb, ct::jsonb, lv::jsonb, st, ts
      FROM (SELECT ${writerSays('on')}) AS writer,
           unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                  $9::text[], $10::text[], $11::text[], $12::numeric[]) AS x(o, i, p, u, d, bn, hn, hn2, ct, lv, st, ts)
    RETURNING 1)
  SELECT ${writerSays('off')} FROM (SELECT count(*) FROM written) AS rows`;

// A failed batch is logged at most this often.
const LOG_EVERY_MS = 10_000;

interface Waiting {
  row: BackupRow;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Backup POSTs that arrive together are written together: the rows handed in during one turn of
 * the event loop go to PostgreSQL as one INSERT, one round trip and one commit, and each request is
 * answered once that commit is done, so an acknowledged backup is durable. Under load
 * (freezer-agents uploading their metadata at the top of the hour) most of a POST's cost is the
 * statement around the row, not the row: the round trip, the transaction, the commit. A lone POST
 * waits for nothing: its turn of the loop ends at once.
 *
 * The rows of a batch go in a fixed order (owner, project, host, backup name), so that two batches
 * meeting on the same rows of the newest-backup summary (its trigger locks one per host and name)
 * lock them in the same order and cannot deadlock. A batch that fails for one of its rows (a value
 * the database refuses, a deadlock) is written again row by row, so that each request gets its own
 * answer; one that fails because the database cannot be reached fails every request of it, rather
 * than knock again once per row.
 */
export class BackupInserts {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private readonly logger = new Logger('BackupInserts');
  private lastLogged = 0;

  constructor(private readonly db: DataSource) {}

  insert(row: BackupRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting.sort((a, b) => compareRows(a.row, b.row));
    this.waiting = [];
    for (let from = 0; from < all.length; from += MAX_BATCH) void this.write(all.slice(from, from + MAX_BATCH));
  }

  private async write(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return this.writeOne(batch[0]!);
    try {
      await queryRows(this.db, INSERT_MANY, columnsOf(batch.map(({ row }) => row)));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const { reject } of batch) reject(error);
        return;
      }
      this.logFailedBatch(batch.length, error);
      await Promise.all(batch.map((waiting) => this.writeOne(waiting)));
      return;
    }
    for (const { resolve } of batch) resolve();
  }

  private logFailedBatch(rows: number, error: unknown): void {
    const now = Date.now();
    if (now - this.lastLogged < LOG_EVERY_MS) return;
    this.lastLogged = now;
    const code = (error as { code?: unknown }).code;
    this.logger.warn(`A batch of ${rows} backups failed (SQLSTATE ${typeof code === 'string' ? code : 'unknown'}); writing its rows one by one`);
  }

  private async writeOne({ row, resolve, reject }: Waiting): Promise<void> {
    const { backup_name, hostname, host_name, container, level, search_text, time_stamp } = row.promoted;
    try {
      await queryRows(this.db, INSERT_ONE, [row.ownerId, row.id, row.projectId, row.userId, row.doc, backup_name, hostname, host_name, container, level, search_text, time_stamp]);
      resolve();
    } catch (error) {
      reject(error);
    }
  }
}

// The order of the rows in a batch: owner, project, then the newest-backup summary's key (the
// metadata's hostname and backup_name, as its trigger reads them).
function compareRows(a: BackupRow, b: BackupRow): number {
  return compare(a.ownerId, b.ownerId) || compare(a.projectId ?? '', b.projectId ?? '') || compare(summaryKey(a), summaryKey(b)) || compare(a.id, b.id);
}

function summaryKey(row: BackupRow): string {
  const metadata = (row.doc as { backup_metadata?: Record<string, unknown> }).backup_metadata ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return `${text(metadata.hostname)}\u0000${text(metadata.backup_name)}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// The rows as one array per column, in INSERT_MANY's order.
function columnsOf(rows: BackupRow[]): unknown[][] {
  const column = <T>(pick: (row: BackupRow) => T): T[] => rows.map(pick);
  return [
    column((row) => row.ownerId),
    column((row) => row.id),
    column((row) => row.projectId),
    column((row) => row.userId),
    column((row) => JSON.stringify(row.doc)),
    column((row) => row.promoted.backup_name),
    column((row) => row.promoted.hostname),
    column((row) => row.promoted.host_name),
    column((row) => row.promoted.container),
    column((row) => row.promoted.level),
    column((row) => row.promoted.search_text),
    column((row) => row.promoted.time_stamp),
  ];
}
