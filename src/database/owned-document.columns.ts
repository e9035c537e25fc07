// SPDX-License-Identifier: Apache-2.0
import { Column, Index, PrimaryColumn } from 'typeorm';
import type { JsonObject } from '../common/json/json.types.js';

// The columns and indexes every table of documents has (D4: one owner and id per row, the
// document as GET returns it, its version; D9: creation order). Each entity extends the class made
// for its table; the names match the migrations, so the drift check stays quiet.
export function OwnedDocumentColumns<TDoc extends JsonObject>(table: string) {
  const primaryKeyConstraintName = `${table}_pkey`;

  @Index(`${table}_owner_project_order`, ['ownerId', 'projectId', 'createdAt', 'id'])
  @Index(`${table}_owner_order`, ['ownerId', 'createdAt', 'id'])
  @Index(`${table}_leaf_pairs`, { synchronize: false })
  @Index(`${table}_doc_text`, { synchronize: false })
  abstract class OwnedDocument {
    // the user, or the project in FREEZER_SCOPE=project
    @PrimaryColumn({ name: 'owner_id', type: 'text', primaryKeyConstraintName })
    ownerId!: string;

    @PrimaryColumn({ type: 'text', primaryKeyConstraintName })
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
    doc!: TDoc;
  }
  return OwnedDocument;
}
