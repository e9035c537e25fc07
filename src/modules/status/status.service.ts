// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable } from '@nestjs/common';
import type { Owner } from '../../common/auth/request-context.js';
import { InvalidParameterError } from '../../common/errors/freezer-errors.js';
import { type Paging, parsePaging, queryValue, type RawQuery } from '../../common/http/list-query.js';
import type { JsonObject } from '../../common/json/json.types.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import type { AppConfig } from '../../config/env.validation.js';
import { JobScheduleRefresher } from './job-schedule.refresher.js';
import { StatusClock } from './status-clock.js';
import {
  type BackupCounts,
  type ClientCounts,
  type JobCounts,
  type ProblemList,
  type StatusSection,
  StatusRepository,
  type StatusWindow,
  sectionOf,
} from './status.repository.js';
import { type StatusScope, scopeOf } from './status-scope.js';
import { summarize, type StatusCounts } from './status-summary.js';

export const PROBLEM_LISTS: readonly ProblemList[] = ['stale_clients', 'overdue_jobs', 'failing_jobs', 'unschedulable_jobs', 'old_backups'];

export type StatusReport = { project_id: string | null; time: number; settings: JsonObject } & StatusCounts & Partial<Record<ProblemList, JsonObject[]>>;

@Injectable()
export class StatusService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: StatusRepository,
    private readonly refresher: JobScheduleRefresher,
    private readonly clock: StatusClock,
  ) {}

  // Counts and the problem lists of the caller's documents. `list` pages one list (with `marker`).
  async report(owner: Owner, query: RawQuery): Promise<StatusReport> {
    const paging = parsePaging(query);
    const list = queryValue(query, 'list');
    if (list !== undefined && !PROBLEM_LISTS.includes(list as ProblemList)) {
      throw new InvalidParameterError('list', `The value must be one of ${PROBLEM_LISTS.join(', ')}.`);
    }
    if (paging.marker !== null && list === undefined) throw new InvalidParameterError('marker', 'A marker pages one list: give "list" too.');
    const scope = scopeOf(owner);
    const window = await this.window(scope);
    const lists = list === undefined ? PROBLEM_LISTS : [list as ProblemList];
    const [clients, jobs, backups] = await this.sections(scope, window, lists, paging);
    return {
      project_id: owner.projectFilter,
      time: Math.floor(window.now),
      settings: this.settings(),
      ...summarize(clients.counts, jobs.counts, backups.counts),
      ...clients.pages,
      ...jobs.pages,
      ...backups.pages,
    };
  }

  // The moment of a computation, with every next run brought up to date first.
  async window(scope: StatusScope): Promise<StatusWindow> {
    await this.refresher.refresh(scope);
    return { now: await this.clock.now(), settings: this.config.status };
  }

  async counts(scope: StatusScope, window: StatusWindow): Promise<[ClientCounts[], JobCounts[], BackupCounts[]]> {
    const [clients, jobs, backups] = await this.sections(scope, window, [], parsePaging({}));
    return [clients.counts, jobs.counts, backups.counts];
  }

  // The three sections at once, each on a connection of its own, with the lists each holds.
  private sections(scope: StatusScope, window: StatusWindow, lists: readonly ProblemList[], paging: Paging) {
    const of = (section: StatusSection) => lists.filter((list) => sectionOf(list) === section);
    return Promise.all([
      this.repository.section<ClientCounts>('clients', scope, window, of('clients'), paging),
      this.repository.section<JobCounts>('jobs', scope, window, of('jobs'), paging),
      this.repository.section<BackupCounts>('backups', scope, window, of('backups'), paging),
    ]);
  }

  private settings(): JsonObject {
    const s = this.config.status;
    return { client_stale_after_s: s.clientStaleAfterS, job_overdue_grace_s: s.jobOverdueGraceS, backup_max_age_s: s.backupMaxAgeS };
  }
}
