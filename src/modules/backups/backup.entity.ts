// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index } from 'typeorm';
import { OwnedDocumentColumns } from '../../database/owned-document.columns.js';
import type { BackupDocument } from './backup-document.js';

// Schema: migrations/1764428500000-BackupsAndClients.ts. The promoted search columns are written by
// a trigger from `doc`; GIN and expression indexes are declared with synchronize: false.
@Entity('backups')
@Index('backups_owner_time_stamp', ['ownerId', 'timeStamp'])
@Index('backups_promoted', { synchronize: false })
@Index('backups_text_words', { synchronize: false })
export class BackupEntity extends OwnedDocumentColumns<BackupDocument>('backups') {
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

  @Column({ name: 'search_text', type: 'text', default: '' })
  searchText!: string;
}
