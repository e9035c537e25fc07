// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Policy } from '../../common/auth/policy.decorator.js';
import { Owner } from '../../common/auth/request-context.decorator.js';
import type { Owner as OwnerType } from '../../common/auth/request-context.js';
import { DocumentIdPipe } from '../../common/http/document-id.pipe.js';
import { etagOf } from '../../common/http/if-match.js';
import type { RawQuery } from '../../common/http/list-query.js';
import { asJsonAnswer } from '../../common/json/json-text.js';
import type { JsonValue } from '../../common/json/json.types.js';
import { ApiFreezerErrors } from '../../common/openapi/api-freezer-errors.decorator.js';
import { ApiListQuery } from '../../common/openapi/api-list-query.decorator.js';
import {
  SessionActionDto,
  SessionActionResultDto,
  SessionBodyDto,
  SessionCreatedDto,
  SessionDocumentDto,
  SessionJobEntryDto,
  SessionListDto,
  SessionWrittenDto,
} from './dto/session.dto.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('sessions')
@ApiExtraModels(SessionJobEntryDto)
@ApiFreezerErrors(401, 403, 406, 429, 503)
@Controller(['v2/:project_id/sessions', 'v1/sessions'])
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @Policy('sessions:get_all')
  @ApiOperation({ summary: 'List and search sessions (a bare status is the session\'s own)', operationId: 'listSessions' })
  @ApiListQuery()
  @ApiOkResponse({ type: SessionListDto })
  @ApiFreezerErrors(400)
  async listSessions(
    @Owner() owner: OwnerType,
    @Query() query: RawQuery,
    @Body() search: JsonValue | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return asJsonAnswer(res, await this.sessions.list(owner, query, search));
  }

  @Post()
  @Policy('sessions:create')
  @ApiOperation({ summary: 'Create a session with the body\'s session_tag (default 0); a body session_id and jobs are ignored', operationId: 'createSession' })
  @ApiBody({ type: SessionBodyDto })
  @ApiCreatedResponse({ type: SessionCreatedDto })
  @ApiFreezerErrors(400, 413)
  createSession(@Owner() owner: OwnerType, @Body() body: JsonValue | undefined): Promise<SessionCreatedDto> {
    return this.sessions.create(owner, body);
  }

  @Get(':session_id')
  @Policy('sessions:get')
  @ApiOperation({ summary: 'Get one session (ETag: its version)', operationId: 'getSession' })
  @ApiOkResponse({ type: SessionDocumentDto })
  @ApiFreezerErrors(400, 404)
  async getSession(
    @Owner() owner: OwnerType,
    @Param('session_id', DocumentIdPipe) sessionId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { text, version } = await this.sessions.get(owner, sessionId);
    res.setHeader('ETag', etagOf(version));
    return asJsonAnswer(res, text);
  }

  @Patch(':session_id')
  @Policy('sessions:update')
  @ApiOperation({ summary: 'Change a session: objects merge recursively; jobs and session_tag are not writable', operationId: 'patchSession' })
  @ApiBody({ type: SessionBodyDto })
  @ApiOkResponse({ type: SessionWrittenDto })
  @ApiFreezerErrors(400, 404, 412, 413)
  patchSession(
    @Owner() owner: OwnerType,
    @Param('session_id', DocumentIdPipe) sessionId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<SessionWrittenDto> {
    return this.sessions.patch(owner, sessionId, body, ifMatch);
  }

  @Post(':session_id')
  @Policy('sessions:replace')
  @ApiOperation({ summary: 'Create or replace the session with this id; an existing session keeps its jobs and session_tag', operationId: 'replaceSession' })
  @ApiBody({ type: SessionBodyDto })
  @ApiCreatedResponse({ type: SessionWrittenDto })
  @ApiFreezerErrors(400, 409, 412, 413)
  replaceSession(
    @Owner() owner: OwnerType,
    @Param('session_id', DocumentIdPipe) sessionId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<SessionWrittenDto> {
    return this.sessions.replace(owner, sessionId, body, ifMatch);
  }

  @Put(':session_id')
  @HttpCode(201)
  @Policy('sessions:replace')
  @ApiOperation({ summary: 'Create or replace the session with this id (same as item POST)', operationId: 'putSession' })
  @ApiBody({ type: SessionBodyDto })
  @ApiCreatedResponse({ type: SessionWrittenDto })
  @ApiFreezerErrors(400, 409, 412, 413)
  putSession(
    @Owner() owner: OwnerType,
    @Param('session_id', DocumentIdPipe) sessionId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<SessionWrittenDto> {
    return this.sessions.replace(owner, sessionId, body, ifMatch);
  }

  @Delete(':session_id')
  @HttpCode(204)
  @Policy('sessions:delete')
  @ApiOperation({ summary: 'Delete a session and detach its jobs (v2: 204 even when absent; v1: 404)', operationId: 'deleteSession' })
  @ApiNoContentResponse()
  @ApiFreezerErrors(400, 404, 412)
  deleteSession(
    @Owner() owner: OwnerType,
    @Param('session_id', DocumentIdPipe) sessionId: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.sessions.remove(owner, sessionId, ifMatch);
  }

  @Post(':session_id/action')
  @HttpCode(202)
  @Policy('sessions:action:create')
  @ApiOperation({ summary: 'Start or end a member job\'s run: a start with the session\'s tag begins a new run (or answers hold-off within hold_off of the last start); a start with the previous tag joins the run within hold_off', operationId: 'createSessionAction' })
  @ApiBody({ type: SessionActionDto })
  @ApiAcceptedResponse({ type: SessionActionResultDto })
  @ApiFreezerErrors(400, 404, 405)
  createSessionAction(
    @Owner() owner: OwnerType,
    @Param('session_id', DocumentIdPipe) sessionId: string,
    @Body() body: JsonValue | undefined,
  ): Promise<SessionActionResultDto> {
    return this.sessions.applyAction(owner, sessionId, body);
  }
}
