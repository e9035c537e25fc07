// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import type { Owner } from '../../common/auth/request-context.js';
import { DocumentNotFoundError } from '../../common/errors/freezer-errors.js';
import { parsePaging, type RawQuery } from '../../common/http/list-query.js';
import { type JsonText, jsonListText } from '../../common/json/json-text.js';
import type { JsonValue } from '../../common/json/json.types.js';
import type { StoredText } from '../../common/ownership/owned-documents.js';
import { parseSearch } from '../../common/search/search-document.js';
import { buildBackupDocument, parseBackupPatch, patchedBackup } from './backup-document.js';
import { BackupsRepository } from './backups.repository.js';

@Injectable()
export class BackupsService {
  constructor(private readonly backups: BackupsRepository) {}

  async list(owner: Owner, query: RawQuery, search: JsonValue | undefined): Promise<JsonText> {
    const backups = await this.backups.list(owner, { paging: parsePaging(query), search: parseSearch(search) });
    return jsonListText('backups', backups);
  }

  async create(owner: Owner, body: JsonValue | undefined): Promise<{ backup_id: string }> {
    const doc = buildBackupDocument(owner, body);
    await this.backups.insert(owner, doc);
    return { backup_id: doc.backup_id };
  }

  async get(owner: Owner, backupId: string): Promise<StoredText> {
    const found = await this.backups.getText(owner, backupId);
    if (!found) throw notFound(backupId);
    return found;
  }

  // api/v2/backups.py on_patch (2026): answers the whole document, not {backup_id, version}.
  async patch(owner: Owner, backupId: string, body: JsonValue | undefined, ifMatch: string | undefined): Promise<StoredText> {
    const patch = parseBackupPatch(body);
    const written = await this.backups.patch(owner, backupId, ifMatch, (stored) => patchedBackup(stored, patch));
    if (!written) throw notFound(backupId);
    return written;
  }

  // v2 answers 204 whether or not the backup existed (tempest asserts it); v1 answers 404.
  async remove(owner: Owner, backupId: string, ifMatch: string | undefined): Promise<void> {
    const deleted = await this.backups.remove(owner, backupId, ifMatch);
    if (!deleted && owner.api === 'v1') throw new DocumentNotFoundError(`No Backup found with ID:${backupId}`);
  }
}

function notFound(backupId: string): DocumentNotFoundError {
  return new DocumentNotFoundError(`No backup found with ID ${backupId}`);
}
