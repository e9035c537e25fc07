// SPDX-License-Identifier: Apache-2.0
import type { BackupCounts, ClientCounts, JobCounts } from './status.repository.js';

export interface StatusCounts {
  clients: { total: number; active: number; stale: number };
  jobs: {
    total: number;
    by_status: Record<string, number>;
    by_result: Record<string, number>;
    overdue: number;
    failing: number;
    unschedulable: number;
  };
  backups: { total: number; fresh: number; old: number; oldest_age_s: number | null };
}

const add = (into: Record<string, number>, key: string, value: number): void => {
  into[key] = (into[key] ?? 0) + value;
};

// The counts of one scope: the per-project rows of the queries added up.
export function summarize(clients: ClientCounts[], jobs: JobCounts[], backups: BackupCounts[]): StatusCounts {
  const summary: StatusCounts = {
    clients: { total: 0, active: 0, stale: 0 },
    jobs: { total: 0, by_status: {}, by_result: {}, overdue: 0, failing: 0, unschedulable: 0 },
    backups: { total: 0, fresh: 0, old: 0, oldest_age_s: null },
  };
  for (const row of clients) {
    summary.clients.total += row.total;
    summary.clients.stale += row.stale;
    summary.clients.active += row.total - row.stale;
  }
  for (const row of jobs) {
    summary.jobs.total += row.total;
    add(summary.jobs.by_status, row.status, row.total);
    add(summary.jobs.by_result, row.result, row.total);
    summary.jobs.overdue += row.overdue;
    summary.jobs.failing += row.failing;
    summary.jobs.unschedulable += row.unschedulable;
  }
  for (const row of backups) {
    summary.backups.total += row.total;
    summary.backups.old += row.old;
    summary.backups.fresh += row.total - row.old;
    if (row.oldest_age_s !== null) summary.backups.oldest_age_s = Math.max(summary.backups.oldest_age_s ?? row.oldest_age_s, row.oldest_age_s);
  }
  return summary;
}
