// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { SessionDocument } from './session-document.js';

// Schema: migrations/1764435600000-Sessions.ts. `status` is written by a trigger from `doc`.
@Entity('sessions')
@Index('sessions_owner_project_order', ['ownerId', 'projectId', 'createdAt', 'id'])
@Index('sessions_owner_order', ['ownerId', 'createdAt', 'id'])
@Index('sessions_promoted', { synchronize: false })
@Index('sessions_leaf_pairs', { synchronize: false })
@Index('sessions_doc_text', { synchronize: false })
export class SessionEntity {
  @PrimaryColumn({ name: 'owner_id', type: 'text', primaryKeyConstraintName: 'sessions_pkey' })
  ownerId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'sessions_pkey' })
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
  doc!: SessionDocument;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  status!: unknown[];
}
