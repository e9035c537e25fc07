// SPDX-License-Identifier: Apache-2.0
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { InjectConfig } from '../../config/app-config.provider.js';
import type { AppConfig } from '../../config/env.validation.js';
import { analyzeTable, needsAnalyze, tableActivity } from '../../database/table-statistics.js';

// Any fixed 64-bit number: one process of the service checks at a time.
const ANALYZE_LOCK = 727_318_440_102;
// ANALYZE may outlast DB_STATEMENT_TIMEOUT_MS on a large table (seconds for the backups), but not
// this: a stuck one gives up and the next check tries again.
const ANALYZE_TIMEOUT_MS = 300_000;
// A table whose lock is held (a migration, autovacuum, an ANALYZE of someone else) is skipped
// rather than waited for: the next check comes back to it.
const ANALYZE_LOCK_TIMEOUT_MS = 1_000;

// Sees that the document tables have planner statistics (see table-statistics.ts): at start-up,
// then every DB_ANALYZE_INTERVAL_S seconds, in the background, each table in a transaction of its
// own that holds its lock only while that table is analyzed.
//
// On a PostgreSQL server the requests never wait for it. The embedded database runs one statement at
// a time and serves only the connection in a transaction until it ends: there the requests wait
// while one table is analyzed (up to seconds for a large backups table), and go on between tables.
// It is kept there nevertheless, since the embedded database has no autovacuum: without it the
// statistics of a growing catalogue would stay those of the last start, and its searches would walk
// all of an owner's rows. A table is analyzed again only after growing by a fifth, so that happens
// ever more rarely; DB_ANALYZE_INTERVAL_S=0 turns it off.
@Injectable()
export class StatisticsKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Statistics');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  // the backend of the connection checking now, to cancel its ANALYZE on shutdown
  private backendPid: number | undefined;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.analyzeIntervalS === 0) return;
    this.running = this.check();
    this.timer = setInterval(() => {
      this.running ??= this.check();
    }, this.config.analyzeIntervalS * 1000);
    // never the reason the process stays up
    this.timer.unref();
  }

  // An ANALYZE may take seconds: it is cancelled rather than waited for (the next check, here or
  // in another process, does it again).
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    if (this.running === undefined) return;
    if (this.backendPid !== undefined) await this.db.query('SELECT pg_cancel_backend($1)', [this.backendPid]).catch(() => undefined);
    await this.running;
  }

  private async check(): Promise<void> {
    const runner = this.db.createQueryRunner();
    let locked = false;
    try {
      await runner.connect();
      this.backendPid = ((await runner.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>)[0].pid;
      // for the session, not a transaction: held across the tables' transactions, gone with the connection
      [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [ANALYZE_LOCK])) as Array<{ locked: boolean }>;
      if (!locked) return;
      for (const activity of await tableActivity(runner)) {
        if (this.stopping) break;
        if (needsAnalyze(activity)) await this.analyze(runner, activity.table, activity.changedSinceAnalyze);
      }
    } catch (error) {
      if (!this.stopping) this.logger.warn(`Could not update the planner statistics: ${(error as Error).message}`);
    } finally {
      if (locked) await runner.query('SELECT pg_advisory_unlock($1)', [ANALYZE_LOCK]).catch(() => undefined);
      this.backendPid = undefined;
      await runner.release();
      this.running = undefined;
    }
  }

  // One table in one short transaction: its settings and its lock end with it. A table that fails
  // (its lock taken elsewhere, the timeout) does not keep the others from their turn.
  private async analyze(runner: QueryRunner, table: string, changedSinceAnalyze: number): Promise<void> {
    const started = performance.now();
    await runner.startTransaction();
    try {
      await runner.query(
        `SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)`,
        [`${ANALYZE_TIMEOUT_MS}ms`, `${ANALYZE_LOCK_TIMEOUT_MS}ms`],
      );
      await analyzeTable(runner, table);
      await runner.commitTransaction();
      this.logger.log(`Analyzed ${table} (${changedSinceAnalyze} rows written since its last analysis) in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      if (!this.stopping) this.logger.warn(`Could not analyze ${table} (the next check tries again): ${(error as Error).message}`);
    }
  }
}
