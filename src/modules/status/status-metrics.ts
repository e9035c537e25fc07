// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { FreezerMetrics } from '../../common/observability/metrics.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import type { AppConfig } from '../../config/env.validation.js';
import type { BackupCounts, ClientCounts, JobCounts } from './status.repository.js';
import { StatusService } from './status.service.js';
import { EVERYONE } from './status-scope.js';

type Counts = [ClientCounts[], JobCounts[], BackupCounts[]];
type Labels = Record<string, string>;

// The protection-status gauges at /metrics, over every owner and project (labelled by project
// with METRICS_PER_PROJECT=true). A scrape computes them at most every STATUS_METRICS_INTERVAL_S;
// in between, scrapes see the last values. Every API process computes the same figures, so with
// WORKERS > 1 the cluster's answer takes their maximum instead of their sum.
@Injectable()
export class StatusMetrics {
  private readonly logger = new Logger('StatusMetrics');
  private counts: Counts | undefined;
  private computedAt = Number.NEGATIVE_INFINITY;
  private computing: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly status: StatusService,
    metrics: FreezerMetrics,
  ) {
    const perProject = config.status.metricsPerProject;
    const gauge = (name: string, help: string, labelNames: string[], fill: (set: (labels: Labels, value: number) => void, counts: Counts) => void) => {
      const metric: Gauge<string> = new Gauge({
        name,
        help,
        labelNames: perProject ? ['project_id', ...labelNames] : labelNames,
        aggregator: 'max',
        registers: [metrics.registry],
        collect: async () => {
          const counts = await this.current();
          metric.reset();
          if (!counts) return;
          const sums = new Map<string, { labels: Labels; value: number }>();
          fill((labels, value) => {
            const key = JSON.stringify(labels);
            const sum = sums.get(key) ?? { labels, value: 0 };
            sum.value = name.endsWith('_seconds') ? Math.max(sum.value, value) : sum.value + value;
            sums.set(key, sum);
          }, counts);
          for (const { labels, value } of sums.values()) metric.set(labels, value);
        },
      });
    };
    const project = (p: string): Labels => (perProject ? { project_id: p } : {});
    gauge('freezer_clients', 'Registered clients by state: active (polled within CLIENT_STALE_AFTER_S) or stale', ['state'], (set, [clients]) => {
      if (!perProject) for (const state of ['active', 'stale']) set({ state }, 0);
      for (const row of clients) {
        set({ ...project(row.project), state: 'active' }, row.total - row.stale);
        set({ ...project(row.project), state: 'stale' }, row.stale);
      }
    });
    gauge('freezer_jobs', 'Jobs by job_schedule status and result', ['status', 'result'], (set, [, jobs]) => {
      for (const row of jobs) set({ ...project(row.project), status: row.status, result: row.result }, row.total);
    });
    const jobGauge = (name: string, help: string, field: 'overdue' | 'failing' | 'unschedulable') =>
      gauge(name, help, [], (set, [, jobs]) => {
        if (!perProject) set({}, 0);
        for (const row of jobs) set(project(row.project), row[field]);
      });
    jobGauge('freezer_jobs_overdue', 'Jobs that should have started more than JOB_OVERDUE_GRACE_S ago and have not', 'overdue');
    jobGauge('freezer_jobs_failing', 'Jobs whose last result is fail or aborted', 'failing');
    jobGauge('freezer_jobs_unschedulable', 'Jobs whose schedule freezer-scheduler cannot read (they never run)', 'unschedulable');
    gauge('freezer_backups', 'Newest backups of each (hostname, backup_name) by state: fresh or old', ['state'], (set, [, , backups]) => {
      if (!perProject) for (const state of ['fresh', 'old']) set({ state }, 0);
      for (const row of backups) {
        set({ ...project(row.project), state: 'fresh' }, row.total - row.old);
        set({ ...project(row.project), state: 'old' }, row.old);
      }
    });
    gauge('freezer_backup_oldest_age_seconds', 'Age of the oldest of the newest backups of each (hostname, backup_name)', [], (set, [, , backups]) => {
      for (const row of backups) if (row.oldest_age_s !== null) set(project(row.project), row.oldest_age_s);
    });
  }

  // The figures, computed again when older than the interval; the last ones if that fails.
  private async current(): Promise<Counts | undefined> {
    if (performance.now() - this.computedAt >= this.config.status.metricsIntervalS * 1000) {
      this.computing ??= this.compute().finally(() => (this.computing = undefined));
      await this.computing;
    }
    return this.counts;
  }

  private async compute(): Promise<void> {
    try {
      const window = await this.status.window(EVERYONE);
      this.counts = await this.status.counts(EVERYONE, window);
      this.computedAt = performance.now();
    } catch (error) {
      this.logger.warn(`could not compute the protection-status metrics: ${(error as Error).message}`);
    }
  }
}
