// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import type { Owner } from '../../common/auth/request-context.js';
import { DocumentExistsError, DocumentNotFoundError } from '../../common/errors/freezer-errors.js';
import { parsePaging, type RawQuery } from '../../common/http/list-query.js';
import { type JsonText, jsonListText } from '../../common/json/json-text.js';
import type { JsonValue } from '../../common/json/json.types.js';
import type { StoredText } from '../../common/ownership/owned-documents.js';
import { parseSearch } from '../../common/search/search-document.js';
import { buildClientDocument } from './client-document.js';
import { ClientsRepository } from './clients.repository.js';

// Called when a client registers (the scheduler does at every start): it is alive.
export type ClientRegisterHook = (owner: Owner, clientId: string) => void;

@Injectable()
export class ClientsService {
  private readonly registerHooks: ClientRegisterHook[] = [];

  constructor(private readonly clients: ClientsRepository) {}

  onRegister(hook: ClientRegisterHook): void {
    this.registerHooks.push(hook);
  }

  async list(owner: Owner, query: RawQuery, search: JsonValue | undefined): Promise<JsonText> {
    const clients = await this.clients.list(owner, { paging: parsePaging(query), search: parseSearch(search) });
    return jsonListText('clients', clients);
  }

  // The scheduler registers at every start and takes the 409 as "already registered".
  async create(owner: Owner, body: JsonValue | undefined): Promise<{ client_id: string }> {
    const doc = buildClientDocument(owner, body);
    const clientId = doc.client.client_id;
    const inserted = await this.clients.insert(owner, doc);
    for (const hook of this.registerHooks) hook(owner, clientId);
    if (!inserted) throw new DocumentExistsError(`Client already registered with ID ${clientId}`);
    return { client_id: clientId };
  }

  async get(owner: Owner, clientId: string): Promise<StoredText> {
    const found = await this.clients.getText(owner, clientId);
    if (!found) throw new DocumentNotFoundError(`No client found with ID ${clientId}`);
    return found;
  }

  async remove(owner: Owner, clientId: string, ifMatch: string | undefined): Promise<void> {
    const deleted = await this.clients.remove(owner, clientId, ifMatch);
    if (!deleted && owner.api === 'v1') throw new DocumentNotFoundError(`No Client found with ID:${clientId}`);
  }
}
