// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index } from 'typeorm';
import { OwnedDocumentColumns } from '../../database/owned-document.columns.js';
import type { ClientDocument } from './client-document.js';

// Schema: migrations/1764428500000-BackupsAndClients.ts. `id` is the client_id; the promoted search
// columns are written by a trigger from `doc`.
@Entity('clients')
@Index('clients_promoted', { synchronize: false })
export class ClientEntity extends OwnedDocumentColumns<ClientDocument>('clients') {
  @Column({ name: 'client_id', type: 'jsonb', default: () => "'[]'" })
  clientId!: unknown[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  uuid!: unknown[];
}
