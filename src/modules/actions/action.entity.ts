// SPDX-License-Identifier: Apache-2.0
import { Entity } from 'typeorm';
import { OwnedDocumentColumns } from '../../database/owned-document.columns.js';
import type { ActionDocument } from './action-document.js';

// Schema: migrations/1764432000000-ActionsAndJobs.ts.
@Entity('actions')
export class ActionEntity extends OwnedDocumentColumns<ActionDocument>('actions') {}
