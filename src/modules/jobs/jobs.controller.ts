// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Policy } from '../../common/auth/policy.decorator.js';
import { Ctx, Owner } from '../../common/auth/request-context.decorator.js';
import type { Owner as OwnerType, RequestContext } from '../../common/auth/request-context.js';
import { DocumentIdPipe } from '../../common/http/document-id.pipe.js';
import { etagOf } from '../../common/http/if-match.js';
import type { RawQuery } from '../../common/http/list-query.js';
import { asJsonAnswer } from '../../common/json/json-text.js';
import type { JsonValue } from '../../common/json/json.types.js';
import { ApiFreezerErrors } from '../../common/openapi/api-freezer-errors.decorator.js';
import { ApiListQuery } from '../../common/openapi/api-list-query.decorator.js';
import { JobBodyDto, JobCreatedDto, JobDocumentDto, JobEventDto, JobEventResultDto, JobListDto, JobWrittenDto } from './dto/job.dto.js';
import { JobsService } from './jobs.service.js';
import { ApiAllProjectsQuery } from './all-projects-query.decorator.js';

@ApiTags('jobs')
@ApiFreezerErrors(401, 403, 406, 429, 503)
@Controller(['v2/:project_id/jobs', 'v1/jobs'])
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @Policy('jobs:get_all')
  @ApiOperation({ summary: 'List and search jobs (the scheduler polls here)', operationId: 'listJobs' })
  @ApiListQuery()
  @ApiQuery({ name: 'client_id', required: false, description: 'Shorthand for {"match": [{"client_id": ...}]}' })
  @ApiAllProjectsQuery()
  @ApiOkResponse({ type: JobListDto })
  @ApiFreezerErrors(400)
  async listJobs(
    @Ctx() ctx: RequestContext,
    @Owner() owner: OwnerType,
    @Query() query: RawQuery,
    @Body() search: JsonValue | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return asJsonAnswer(res, await this.jobs.list(ctx, owner, query, search));
  }

  @Post()
  @Policy('jobs:create')
  @ApiOperation({ summary: 'Create a job (a body job_id is ignored)', operationId: 'createJob' })
  @ApiBody({ type: JobBodyDto })
  @ApiCreatedResponse({ type: JobCreatedDto })
  @ApiFreezerErrors(400, 413)
  createJob(@Owner() owner: OwnerType, @Body() body: JsonValue | undefined): Promise<JobCreatedDto> {
    return this.jobs.create(owner, body);
  }

  @Get(':job_id')
  @Policy('jobs:get')
  @ApiOperation({ summary: 'Get one job (ETag: its version)', operationId: 'getJob' })
  @ApiAllProjectsQuery()
  @ApiOkResponse({ type: JobDocumentDto })
  @ApiFreezerErrors(400, 404)
  async getJob(
    @Ctx() ctx: RequestContext,
    @Owner() owner: OwnerType,
    @Param('job_id', DocumentIdPipe) jobId: string,
    @Query() query: RawQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { text, version } = await this.jobs.get(ctx, owner, jobId, query);
    res.setHeader('ETag', etagOf(version));
    return asJsonAnswer(res, text);
  }

  @Patch(':job_id')
  @Policy('jobs:update')
  @ApiOperation({ summary: 'Change a job: objects merge recursively (job_schedule), arrays and scalars replace', operationId: 'patchJob' })
  @ApiBody({ type: JobBodyDto })
  @ApiOkResponse({ type: JobWrittenDto })
  @ApiFreezerErrors(400, 404, 412, 413)
  patchJob(
    @Owner() owner: OwnerType,
    @Param('job_id', DocumentIdPipe) jobId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<JobWrittenDto> {
    return this.jobs.patch(owner, jobId, body, ifMatch);
  }

  @Post(':job_id')
  @Policy('jobs:create')
  @ApiOperation({ summary: 'Create or replace the job with this id; job_schedule is stored as sent, without server-set times', operationId: 'replaceJob' })
  @ApiBody({ type: JobBodyDto })
  @ApiCreatedResponse({ type: JobWrittenDto })
  @ApiFreezerErrors(400, 409, 412, 413)
  replaceJob(
    @Owner() owner: OwnerType,
    @Param('job_id', DocumentIdPipe) jobId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<JobWrittenDto> {
    return this.jobs.replace(owner, jobId, body, ifMatch);
  }

  @Put(':job_id')
  @HttpCode(201)
  @Policy('jobs:create')
  @ApiOperation({ summary: 'Create or replace the job with this id (same as item POST)', operationId: 'putJob' })
  @ApiBody({ type: JobBodyDto })
  @ApiCreatedResponse({ type: JobWrittenDto })
  @ApiFreezerErrors(400, 409, 412, 413)
  putJob(
    @Owner() owner: OwnerType,
    @Param('job_id', DocumentIdPipe) jobId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<JobWrittenDto> {
    return this.jobs.replace(owner, jobId, body, ifMatch);
  }

  @Post(':job_id/event')
  @HttpCode(202)
  @Policy('jobs:event:create')
  @ApiOperation({ summary: 'Send start, stop, abort or remove to a job', operationId: 'createJobEvent' })
  @ApiBody({ type: JobEventDto })
  @ApiAcceptedResponse({ type: JobEventResultDto })
  @ApiFreezerErrors(400, 404)
  createJobEvent(@Owner() owner: OwnerType, @Param('job_id', DocumentIdPipe) jobId: string, @Body() body: JsonValue | undefined): Promise<JobEventResultDto> {
    return this.jobs.applyEvent(owner, jobId, body);
  }

  @Delete(':job_id')
  @HttpCode(204)
  @Policy('jobs:delete')
  @ApiOperation({ summary: 'Delete a job (v2: 204 even when absent; v1: 404); its actions stay', operationId: 'deleteJob' })
  @ApiNoContentResponse()
  @ApiFreezerErrors(400, 404, 412)
  deleteJob(
    @Owner() owner: OwnerType,
    @Param('job_id', DocumentIdPipe) jobId: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.jobs.remove(owner, jobId, ifMatch);
  }
}
