// SPDX-License-Identifier: Apache-2.0
import { Column, Entity, Index } from 'typeorm';
import { OwnedDocumentColumns } from '../../database/owned-document.columns.js';
import type { SessionDocument } from './session-document.js';

// Schema: migrations/1764435600000-Sessions.ts. `status` is written by a trigger from `doc`.
@Entity('sessions')
@Index('sessions_promoted', { synchronize: false })
export class SessionEntity extends OwnedDocumentColumns<SessionDocument>('sessions') {
  @Column({ type: 'jsonb', default: () => "'[]'" })
  status!: unknown[];
}
