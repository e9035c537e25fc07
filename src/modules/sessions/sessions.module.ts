// SPDX-License-Identifier: Apache-2.0
import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { SessionJobsController } from './session-jobs.controller.js';
import { SessionMembershipService } from './session-membership.service.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  imports: [JobsModule],
  controllers: [SessionsController, SessionJobsController],
  providers: [SessionsService, SessionMembershipService, SessionsRepository],
  exports: [SessionsService],
})
export class SessionsModule {}
