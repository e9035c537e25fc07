// SPDX-License-Identifier: Apache-2.0
import { Module } from '@nestjs/common';
import { BackupsController } from './backups.controller.js';
import { BackupsRepository } from './backups.repository.js';
import { BackupsService } from './backups.service.js';

@Module({
  controllers: [BackupsController],
  providers: [BackupsService, BackupsRepository],
  exports: [BackupsService],
})
export class BackupsModule {}
