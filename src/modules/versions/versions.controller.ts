// SPDX-License-Identifier: Apache-2.0
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../common/auth/public.decorator.js';
import { DocumentNotFoundError } from '../../common/errors/freezer-errors.js';
import { ApiFreezerErrors } from '../../common/openapi/api-freezer-errors.decorator.js';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import type { AppConfig } from '../../config/env.validation.js';
import { homeDocument, versionsDocument } from './home-documents.js';

@ApiTags('versions')
@Controller()
export class VersionsController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'The API versions (300 Multiple Choices)', operationId: 'listVersions' })
  @ApiResponse({ status: 300, description: 'v2 (CURRENT) and, unless the service runs with FREEZER_SCOPE=project, v1 (DEPRECATED)' })
  @ApiFreezerErrors(406)
  listVersions(@Req() req: Request, @Res() res: Response): void {
    // Built from this request's scheme and host every time (freezer cached the first caller's).
    // req.host is X-Forwarded-Host when TRUST_PROXY trusts the sender, else Host.
    const baseUrl = `${req.protocol}://${req.host ?? `${this.config.host}:${this.config.port}`}`;
    res.status(300).json(versionsDocument(baseUrl, this.config.scope === 'user'));
  }

  @Get('v1')
  @ApiOperation({ summary: 'JSON-home document of API v1', operationId: 'getHomeV1' })
  @ApiOkResponse({ description: 'application/json-home' })
  @ApiFreezerErrors(401, 404, 406)
  getHomeV1(@Res() res: Response): void {
    if (this.config.scope === 'project') {
      throw new DocumentNotFoundError('API v1 is not served when FREEZER_SCOPE=project: use /v2/{project_id}/...');
    }
    sendHome(res, 'v1');
  }

  @Get('v2')
  @ApiOperation({ summary: 'JSON-home document of API v2', operationId: 'getHomeV2' })
  @ApiOkResponse({ description: 'application/json-home' })
  @ApiFreezerErrors(401, 406)
  getHomeV2(@Res() res: Response): void {
    sendHome(res, 'v2');
  }
}

// Sent as bytes: Express appends "; charset=utf-8" to the type of a string body, and clients
// compare the media type exactly (it is UTF-8 JSON by definition). The documents never change, so
// their bytes are made once rather than on every request.
const HOME_BYTES = {
  v1: Buffer.from(JSON.stringify(homeDocument('v1'), null, 4)),
  v2: Buffer.from(JSON.stringify(homeDocument('v2'), null, 4)),
};

function sendHome(res: Response, version: 'v1' | 'v2'): void {
  res.status(200).type('application/json-home').send(HOME_BYTES[version]);
}
