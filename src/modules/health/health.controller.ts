// SPDX-License-Identifier: Apache-2.0
import { Controller, Get, Head, HttpCode, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../../common/auth/public.decorator.js';
import { ServiceUnavailableError } from '../../common/errors/freezer-errors.js';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // Declared before GET: Express would otherwise answer HEAD through the GET route.
  @Head('healthcheck')
  @HttpCode(204)
  @ApiOperation({ summary: 'Liveness without a body (204)', operationId: 'headHealthcheck' })
  headHealthcheck(): void {}

  // Liveness only, as oslo.middleware's healthcheck: it never touches the database.
  @Get('healthcheck')
  @ApiOperation({ summary: 'Liveness: the process answers', operationId: 'getHealthcheck' })
  @ApiOkResponse({ description: '`OK` as text, or `{"detailed": false, "reasons": ["OK"]}` with Accept: application/json' })
  getHealthcheck(@Req() req: Request, @Res() res: Response): void {
    if (req.accepts(['text/plain', 'application/json']) === 'application/json') {
      res.status(200).json({ detailed: false, reasons: ['OK'] });
      return;
    }
    res.status(200).type('text/plain').send('OK');
  }

  // Readiness: the database answers.
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: the database answers (503 otherwise)', operationId: 'getReadiness' })
  @ApiOkResponse({ description: '{"status": "ready"}' })
  async getReadiness(): Promise<{ status: string }> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new ServiceUnavailableError('database');
    }
    return { status: 'ready' };
  }
}
