// SPDX-License-Identifier: Apache-2.0
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { InjectConfig } from '../../config/app-config.provider.js';
import type { AppConfig } from '../../config/env.validation.js';
import { analyzeStaleTables } from '../../database/table-statistics.js';

// Any fixed 64-bit number: one process of the service checks at a time.
const ANALYZE_LOCK = 727_318_440_102;

// Sees that the document tables have planner statistics (see table-statistics.ts): at start-up,
// then every DB_ANALYZE_INTERVAL_S seconds, in the background. The requests never wait for it.
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
    try {
      await runner.connect();
      this.backendPid = ((await runner.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>)[0].pid;
      // One transaction: the lock and the statement timeout end with it. ANALYZE may outlast
      // DB_STATEMENT_TIMEOUT_MS on a large table, and does not hold up the requests meanwhile.
      await runner.startTransaction();
      try {
        await runner.query('SET LOCAL statement_timeout = 0');
        const [{ taken }] = (await runner.query('SELECT pg_try_advisory_xact_lock($1) AS taken', [ANALYZE_LOCK])) as Array<{ taken: boolean }>;
        if (taken) {
          for (const { table, changedSinceAnalyze, ms } of await analyzeStaleTables(runner)) {
            this.logger.log(`Analyzed ${table} (${changedSinceAnalyze} rows written since its last analysis) in ${ms} ms`);
          }
        }
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (!this.stopping) this.logger.warn(`Could not update the planner statistics: ${(error as Error).message}`);
    } finally {
      this.backendPid = undefined;
      await runner.release();
      this.running = undefined;
    }
  }
}
