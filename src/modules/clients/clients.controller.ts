// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { ClientsService } from './clients.service.js';
import { ClientCreatedDto, ClientDocumentDto, ClientInfoDto, ClientListDto } from './dto/client.dto.js';

@ApiTags('clients')
@ApiFreezerErrors(401, 403, 406, 429, 503)
@Controller(['v2/:project_id/clients', 'v1/clients'])
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Get()
  @Policy('clients:get_all')
  @ApiOperation({ summary: 'List and search registered clients', operationId: 'listClients' })
  @ApiListQuery()
  @ApiOkResponse({ type: ClientListDto })
  @ApiFreezerErrors(400)
  async listClients(
    @Owner() owner: OwnerType,
    @Query() query: RawQuery,
    @Body() search: JsonValue | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return asJsonAnswer(res, await this.clients.list(owner, query, search));
  }

  @Post()
  @Policy('clients:create')
  @ApiOperation({
    summary: 'Register a client (a scheduler node), or update the caller\'s registration of that client_id',
    description:
      'A client_id the caller already holds is updated with the keys the body carries (description, hostname, the supported_* ' +
      'lists, any other key); its uuid and owner stay and omitted keys are kept. is_central: true also needs the rule ' +
      'clients:create_central. 409 when the same user holds the client_id in another project.',
    operationId: 'createClient',
  })
  @ApiBody({ type: ClientInfoDto })
  @ApiCreatedResponse({ type: ClientCreatedDto })
  @ApiFreezerErrors(400, 409, 413)
  createClient(@Ctx() ctx: RequestContext, @Owner() owner: OwnerType, @Body() body: JsonValue | undefined): Promise<ClientCreatedDto> {
    return this.clients.create(ctx, owner, body);
  }

  @Get(':client_id')
  @Policy('clients:get')
  @ApiOperation({ summary: 'Get one client by its client_id (ETag: its version)', operationId: 'getClient' })
  @ApiOkResponse({ type: ClientDocumentDto })
  @ApiFreezerErrors(400, 404)
  async getClient(
    @Owner() owner: OwnerType,
    @Param('client_id', DocumentIdPipe) clientId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { text, version } = await this.clients.get(owner, clientId);
    res.setHeader('ETag', etagOf(version));
    return asJsonAnswer(res, text);
  }

  @Delete(':client_id')
  @HttpCode(204)
  @Policy('clients:delete')
  @ApiOperation({ summary: 'Delete a client (v2: 204 even when absent; v1: 404); its jobs stay', operationId: 'deleteClient' })
  @ApiNoContentResponse()
  @ApiFreezerErrors(400, 404, 412)
  deleteClient(
    @Owner() owner: OwnerType,
    @Param('client_id', DocumentIdPipe) clientId: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.clients.remove(owner, clientId, ifMatch);
  }
}
