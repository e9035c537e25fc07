// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { BackupDocument } from './backup-document.js';

// Schema: migrations/1764428500000-BackupsAndClients.ts. The promoted search columns are written by
// a trigger from `doc`; GIN and expression indexes are declared with synchronize: false.
@Entity('backups')
@Index('backups_owner_project_order', ['ownerId', 'projectId', 'createdAt', 'id'])
@Index('backups_owner_order', ['ownerId', 'createdAt', 'id'])
@Index('backups_owner_time_stamp', ['ownerId', 'timeStamp'])
@Index('backups_promoted', { synchronize: false })
@Index('backups_leaf_pairs', { synchronize: false })
@Index('backups_doc_text', { synchronize: false })
export class BackupEntity {
  @PrimaryColumn({ name: 'owner_id', type: 'text', primaryKeyConstraintName: 'backups_pkey' })
  ownerId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'backups_pkey' })
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
  doc!: BackupDocument;

  @Column({ name: 'backup_name', type: 'jsonb', default: () => "'[]'" })
  backupName!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  hostname!: unknown[];

  @Column({ name: 'host_name', type: 'jsonb', default: () => "'[]'" })
  hostName!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  container!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  level!: unknown[];

  @Column({ name: 'time_stamp', type: 'numeric', nullable: true })
  timeStamp!: string | null;
}
