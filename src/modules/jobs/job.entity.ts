// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index } from 'typeorm';
import { OwnedDocumentColumns } from '../../database/owned-document.columns.js';
import type { JobDocument } from './job-document.js';

// Schema: migrations/1764432000000-ActionsAndJobs.ts. client_id, status and event are written by a
// trigger from `doc` (what a bare-key search compares). `run` is the run state of the last
// write-back that changed nothing else (migrations/1765100000000-JobRunState.ts).
@Entity('jobs')
@Index('jobs_client_id', { synchronize: false })
// a job by its id in any project (?all_projects=true): migrations/1764703600000-JobsById.ts
@Index('jobs_id', ['id'])
export class JobEntity extends OwnedDocumentColumns<JobDocument>('jobs') {
  @Column({ name: 'client_id', type: 'jsonb', default: () => "'[]'" })
  clientId!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  status!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  event!: unknown[];

  @Column({ type: 'jsonb', nullable: true })
  run!: unknown;
}
