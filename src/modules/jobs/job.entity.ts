// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { JobDocument } from './job-document.js';

// Schema: migrations/1764432000000-ActionsAndJobs.ts. client_id, status and event are written by a
// trigger from `doc` (what a bare-key search compares).
@Entity('jobs')
@Index('jobs_owner_project_order', ['ownerId', 'projectId', 'createdAt', 'id'])
@Index('jobs_owner_order', ['ownerId', 'createdAt', 'id'])
@Index('jobs_promoted', { synchronize: false })
@Index('jobs_leaf_pairs', { synchronize: false })
@Index('jobs_doc_text', { synchronize: false })
export class JobEntity {
  @PrimaryColumn({ name: 'owner_id', type: 'text', primaryKeyConstraintName: 'jobs_pkey' })
  ownerId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'jobs_pkey' })
  id!: string;

  @Column({ name: 'project_id', type: 'text', nullable: true })
  projectId!: string | null;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt!: Date;

  @Column({ type: 'jsonb' })
  doc!: JobDocument;

  @Column({ name: 'client_id', type: 'jsonb', default: () => "'[]'" })
  clientId!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  status!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  event!: unknown[];
}
