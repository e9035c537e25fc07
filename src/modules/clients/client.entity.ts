// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ClientDocument } from './client-document.js';

// Schema: migrations/1764428500000-BackupsAndClients.ts. `id` is the client_id; the promoted search
// columns are written by a trigger from `doc`.
@Entity('clients')
@Index('clients_owner_project_order', ['ownerId', 'projectId', 'createdAt', 'id'])
@Index('clients_owner_order', ['ownerId', 'createdAt', 'id'])
@Index('clients_promoted', { synchronize: false })
@Index('clients_leaf_pairs', { synchronize: false })
@Index('clients_doc_text', { synchronize: false })
export class ClientEntity {
  @PrimaryColumn({ name: 'owner_id', type: 'text', primaryKeyConstraintName: 'clients_pkey' })
  ownerId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'clients_pkey' })
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
  doc!: ClientDocument;

  @Column({ name: 'client_id', type: 'jsonb', default: () => "'[]'" })
  clientId!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  uuid!: unknown[];
}
