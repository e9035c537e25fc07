// SPDX-License-Identifier: Apache-2.0
import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { JobScheduleRefresher } from './job-schedule.refresher.js';
import { LivenessRecorder } from './liveness.recorder.js';
import { StatusClock } from './status-clock.js';
import { StatusController } from './status.controller.js';
import { StatusMetrics } from './status-metrics.js';
import { StatusRepository } from './status.repository.js';
import { StatusService } from './status.service.js';

// Protection status: reads the other modules' tables, and learns of polls and registrations
// through the hooks the jobs and clients services offer.
@Module({
  imports: [JobsModule, ClientsModule],
  controllers: [StatusController],
  providers: [StatusService, StatusRepository, StatusClock, LivenessRecorder, JobScheduleRefresher, StatusMetrics],
})
export class StatusModule {}
