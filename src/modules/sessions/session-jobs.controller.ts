// SPDX-License-Identifier: Apache-2.0
import { Controller, Delete, HttpCode, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Policy } from '../../common/auth/policy.decorator.js';
import { Owner } from '../../common/auth/request-context.decorator.js';
import type { Owner as OwnerType } from '../../common/auth/request-context.js';
import { DocumentIdPipe } from '../../common/http/document-id.pipe.js';
import { ApiFreezerErrors } from '../../common/openapi/api-freezer-errors.decorator.js';
import { SessionMembershipService } from './session-membership.service.js';

// Session membership (D13): PUT adds a job, DELETE removes it; both answer 204.
@ApiTags('sessions')
@ApiFreezerErrors(401, 403, 406, 429, 503)
@Controller(['v2/:project_id/sessions/:session_id/jobs', 'v1/sessions/:session_id/jobs'])
export class SessionJobsController {
  constructor(private readonly membership: SessionMembershipService) {}

  @Put(':job_id')
  @HttpCode(204)
  @Policy('sessions:job:add')
  @ApiOperation({ summary: 'Add a job to the session (moving it out of another)', operationId: 'addSessionJob' })
  @ApiNoContentResponse()
  @ApiFreezerErrors(400, 404)
  addSessionJob(
    @Owner() owner: OwnerType,
    @Param('session_id', DocumentIdPipe) sessionId: string,
    @Param('job_id', DocumentIdPipe) jobId: string,
  ): Promise<void> {
    return this.membership.addJob(owner, sessionId, jobId);
  }

  @Delete(':job_id')
  @HttpCode(204)
  @Policy('sessions:job:remove')
  @ApiOperation({ summary: 'Remove a job from the session (a no-op for a non-member)', operationId: 'removeSessionJob' })
  @ApiNoContentResponse()
  @ApiFreezerErrors(400, 404)
  removeSessionJob(
    @Owner() owner: OwnerType,
    @Param('session_id', DocumentIdPipe) sessionId: string,
    @Param('job_id', DocumentIdPipe) jobId: string,
  ): Promise<void> {
    return this.membership.removeJob(owner, sessionId, jobId);
  }
}
