// SPDX-License-Identifier: Apache-2.0
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Policy } from '../../common/auth/policy.decorator.js';
import { Owner } from '../../common/auth/request-context.decorator.js';
import type { Owner as OwnerType } from '../../common/auth/request-context.js';
import type { RawQuery } from '../../common/http/list-query.js';
import { ApiFreezerErrors } from '../../common/openapi/api-freezer-errors.decorator.js';
import { StatusReportDto } from './dto/status.dto.js';
import { PROBLEM_LISTS, type StatusReport, StatusService } from './status.service.js';

@ApiTags('status')
@ApiFreezerErrors(401, 403, 406, 429, 503)
@Controller(['v2/:project_id/status', 'v1/status'])
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get()
  @Policy('status:get')
  @ApiOperation({
    summary: 'Protection status: stale clients, overdue, failing and unschedulable jobs, old backups',
    description:
      'Counts over the caller\'s clients, jobs and backups (v2: of the path project; v1: of every project), and the first page of ' +
      'each problem list, newest first. With `list`, only that list is returned, paged by `limit`, `offset` and `marker` ' +
      '(the id of its last item: client_id, job_id or backup_id).',
    operationId: 'getStatus',
  })
  @ApiQuery({ name: 'list', required: false, enum: PROBLEM_LISTS, description: 'Return only this problem list' })
  @ApiQuery({ name: 'limit', required: false, type: 'integer', description: 'Items per list, 1..10000; 0 or blank means 10' })
  @ApiQuery({ name: 'offset', required: false, type: 'integer', description: 'Items to skip after the marker (default 0)' })
  @ApiQuery({ name: 'marker', required: false, type: String, description: 'With list: return the items after this one' })
  @ApiOkResponse({
    type: StatusReportDto,
    example: {
      project_id: 'a8f6c2e1',
      time: 1764890600,
      settings: { client_stale_after_s: 600, job_overdue_grace_s: 3600, backup_max_age_s: 172800 },
      clients: { total: 2, active: 1, stale: 1 },
      jobs: { total: 3, by_status: { scheduled: 2, completed: 1 }, by_result: { success: 1, fail: 1, '': 1 }, overdue: 1, failing: 1, unschedulable: 1 },
      backups: { total: 2, fresh: 1, old: 1, oldest_age_s: 190000 },
      stale_clients: [{ client_id: 'a8f6c2e1_node7', project_id: 'a8f6c2e1', hostname: 'node7', last_seen: 1764880000.5 }],
      overdue_jobs: [
        { job_id: '5e1fd2b7a8e4469b8a3c1d2e3f405162', project_id: 'a8f6c2e1', client_id: 'a8f6c2e1_node7', status: 'scheduled', event: '', result: 'success', next_run: 1764883000, time_started: 1764796600, time_ended: 1764797000 },
      ],
      failing_jobs: [
        { job_id: '77aa01b2c3d4e5f60718293a4b5c6d7e', project_id: 'a8f6c2e1', client_id: 'a8f6c2e1_node1', status: 'scheduled', event: '', result: 'fail', next_run: 1764976800, time_started: 1764890400, time_ended: 1764890460 },
      ],
      unschedulable_jobs: [
        { job_id: '0b1c2d3e4f5061728394a5b6c7d8e9f0', project_id: 'a8f6c2e1', client_id: 'a8f6c2e1_node1', status: 'completed', event: '', result: '', next_run: null, time_started: null, time_ended: null, schedule_error: 'Invalid weekday name "funday"' },
      ],
      old_backups: [
        { hostname: 'node7', backup_name: 'etc', project_id: 'a8f6c2e1', backup_id: '0c7f6e9d8b1a4c2e9f3d5b7a6c8e0f12', time_stamp: 1764700600, level: 0, age_s: 190000, max_age_s: 172800 },
      ],
    },
  })
  @ApiFreezerErrors(400)
  getStatus(@Owner() owner: OwnerType, @Query() query: RawQuery): Promise<StatusReport> {
    return this.status.report(owner, query);
  }
}
