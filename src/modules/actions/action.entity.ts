// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ActionDocument } from './action-document.js';

// Schema: migrations/1764432000000-ActionsAndJobs.ts.
@Entity('actions')
@Index('actions_owner_project_order', ['ownerId', 'projectId', 'createdAt', 'id'])
@Index('actions_owner_order', ['ownerId', 'createdAt', 'id'])
@Index('actions_leaf_pairs', { synchronize: false })
@Index('actions_doc_text', { synchronize: false })
export class ActionEntity {
  @PrimaryColumn({ name: 'owner_id', type: 'text', primaryKeyConstraintName: 'actions_pkey' })
  ownerId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'actions_pkey' })
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
  doc!: ActionDocument;
}
