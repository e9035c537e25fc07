// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
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
import { BackupsService } from './backups.service.js';
import { BackupCreatedDto, BackupDocumentDto, BackupListDto, BackupMetadataDto, BackupPatchDto } from './dto/backup.dto.js';

@ApiTags('backups')
@ApiFreezerErrors(401, 403, 406, 429, 503)
@Controller(['v2/:project_id/backups', 'v1/backups'])
export class BackupsController {
  constructor(private readonly backups: BackupsService) {}

  @Get()
  @Policy('backups:get_all')
  @ApiOperation({ summary: 'List and search backups', operationId: 'listBackups' })
  @ApiListQuery()
  @ApiOkResponse({ type: BackupListDto })
  @ApiFreezerErrors(400)
  async listBackups(
    @Owner() owner: OwnerType,
    @Query() query: RawQuery,
    @Body() search: JsonValue | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return asJsonAnswer(res, await this.backups.list(owner, query, search));
  }

  @Post()
  @Policy('backups:create')
  @ApiOperation({ summary: 'Record a backup (the metadata freezer-agent posts, unwrapped)', operationId: 'createBackup' })
  @ApiBody({ type: BackupMetadataDto })
  @ApiCreatedResponse({ type: BackupCreatedDto })
  @ApiFreezerErrors(400, 413)
  createBackup(@Owner() owner: OwnerType, @Body() body: JsonValue | undefined): Promise<BackupCreatedDto> {
    return this.backups.create(owner, body);
  }

  @Get(':backup_id')
  @Policy('backups:get')
  @ApiOperation({ summary: 'Get one backup (ETag: its version)', operationId: 'getBackup' })
  @ApiOkResponse({ type: BackupDocumentDto })
  @ApiFreezerErrors(400, 404)
  async getBackup(
    @Owner() owner: OwnerType,
    @Param('backup_id', DocumentIdPipe) backupId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { text, version } = await this.backups.get(owner, backupId);
    res.setHeader('ETag', etagOf(version));
    return asJsonAnswer(res, text);
  }

  @Patch(':backup_id')
  @Policy('backups:update')
  @ApiOperation({
    summary: 'Change the status of a backup and merge keys into its metadata; answers the whole document',
    description: 'Each key of backup_metadata replaces the stored key of that name (one level deep); other body keys are ignored.',
    operationId: 'patchBackup',
  })
  @ApiBody({ type: BackupPatchDto })
  @ApiOkResponse({ type: BackupDocumentDto })
  @ApiFreezerErrors(400, 404, 412, 413)
  async patchBackup(
    @Owner() owner: OwnerType,
    @Param('backup_id', DocumentIdPipe) backupId: string,
    @Body() body: JsonValue | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { text, version } = await this.backups.patch(owner, backupId, body, ifMatch);
    res.setHeader('ETag', etagOf(version));
    return asJsonAnswer(res, text);
  }

  @Delete(':backup_id')
  @HttpCode(204)
  @Policy('backups:delete')
  @ApiOperation({ summary: 'Delete a backup (v2: 204 even when absent; v1: 404)', operationId: 'deleteBackup' })
  @ApiNoContentResponse()
  @ApiFreezerErrors(400, 404, 412)
  deleteBackup(
    @Owner() owner: OwnerType,
    @Param('backup_id', DocumentIdPipe) backupId: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.backups.remove(owner, backupId, ifMatch);
  }
}
