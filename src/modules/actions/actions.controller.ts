// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { ActionsService } from './actions.service.js';
import { ActionBodyDto, ActionCreatedDto, ActionDocumentDto, ActionListDto, ActionWrittenDto } from './dto/action.dto.js';

@ApiTags('actions')
@ApiFreezerErrors(401, 403, 406, 429, 503)
@Controller(['v2/:project_id/actions', 'v1/actions'])
export class ActionsController {
  constructor(private readonly actions: ActionsService) {}

  @Get()
  @Policy('actions:get_all')
  @ApiOperation({ summary: 'List and search actions', operationId: 'listActions' })
  @ApiListQuery()
  @ApiOkResponse({ type: ActionListDto })
  @ApiFreezerErrors(400)
  async listActions(
    @Owner() owner: OwnerType,
    @Query() query: RawQuery,
    @Body() search: JsonValue | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return asJsonAnswer(res, await this.actions.list(owner, query, search));
  }

  @Post()
  @Policy('actions:create')
  @ApiOperation({ summary: 'Create an action (the body may name its action_id)', operationId: 'createAction' })
  @ApiBody({ type: ActionBodyDto })
  @ApiCreatedResponse({ type: ActionCreatedDto })
  @ApiFreezerErrors(400, 409, 413)
  createAction(@Owner() owner: OwnerType, @Body() body: JsonValue | undefined): Promise<ActionCreatedDto> {
    return this.actions.create(owner, body);
  }

  @Get(':action_id')
  @Policy('actions:get')
  @ApiOperation({ summary: 'Get one action (ETag: its version)', operationId: 'getAction' })
  @ApiOkResponse({ type: ActionDocumentDto })
  @ApiFreezerErrors(400, 404)
  async getAction(
    @Owner() owner: OwnerType,
    @Param('action_id', DocumentIdPipe) actionId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { text, version } = await this.actions.get(owner, actionId);
    res.setHeader('ETag', etagOf(version));
    return asJsonAnswer(res, text);
  }

  @Patch(':action_id')
  @Policy('actions:update')
  @ApiOperation({ summary: 'Change an action: objects merge recursively, arrays and scalars replace', operationId: 'patchAction' })
  @ApiBody({ type: ActionBodyDto })
  @ApiOkResponse({ type: ActionWrittenDto })
  @ApiFreezerErrors(400, 404, 412, 413)
  patchAction(
    @Owner() owner: OwnerType,
    @Param('action_id', DocumentIdPipe) actionId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<ActionWrittenDto> {
    return this.actions.patch(owner, actionId, body, ifMatch);
  }

  @Post(':action_id')
  @Policy('actions:replace')
  @ApiOperation({ summary: 'Create or replace an action with this id', operationId: 'replaceAction' })
  @ApiBody({ type: ActionBodyDto })
  @ApiCreatedResponse({ type: ActionWrittenDto })
  @ApiFreezerErrors(400, 409, 412, 413)
  replaceAction(
    @Owner() owner: OwnerType,
    @Param('action_id', DocumentIdPipe) actionId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<ActionWrittenDto> {
    return this.actions.replace(owner, actionId, body, ifMatch);
  }

  @Put(':action_id')
  @Policy('actions:replace')
  @ApiOperation({ summary: 'Create or replace an action with this id (same as item POST)', operationId: 'putAction' })
  @ApiBody({ type: ActionBodyDto })
  @ApiCreatedResponse({ type: ActionWrittenDto })
  @ApiFreezerErrors(400, 409, 412, 413)
  @HttpCode(201)
  putAction(
    @Owner() owner: OwnerType,
    @Param('action_id', DocumentIdPipe) actionId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<ActionWrittenDto> {
    return this.actions.replace(owner, actionId, body, ifMatch);
  }

  @Delete(':action_id')
  @HttpCode(204)
  @Policy('actions:delete')
  @ApiOperation({ summary: 'Delete an action (v2: 204 even when absent; v1: 404); jobs keep their copies', operationId: 'deleteAction' })
  @ApiNoContentResponse()
  @ApiFreezerErrors(400, 404, 412)
  deleteAction(
    @Owner() owner: OwnerType,
    @Param('action_id', DocumentIdPipe) actionId: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.actions.remove(owner, actionId, ifMatch);
  }
}
