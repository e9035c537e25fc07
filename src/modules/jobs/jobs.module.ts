// SPDX-License-Identifier: Apache-2.0
import { Module } from '@nestjs/common';
import { ActionsModule } from '../actions/actions.module.js';
import { JobsController } from './jobs.controller.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';

@Module({
  imports: [ActionsModule],
  controllers: [JobsController],
  providers: [JobsService, JobsRepository],
  exports: [JobsService],
})
export class JobsModule {}
