// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { PolicyEnforcer } from '../../common/auth/policies.js';
import type { Owner, RequestContext } from '../../common/auth/request-context.js';
import { AccessForbiddenError, DocumentExistsError, DocumentNotFoundError } from '../../common/errors/freezer-errors.js';
import { jsonEqual } from '../../common/json/json-equal.js';
import { parsePaging, type RawQuery } from '../../common/http/list-query.js';
import { type JsonText, jsonListText } from '../../common/json/json-text.js';
import type { JsonObject, JsonValue } from '../../common/json/json.types.js';
import type { StoredText } from '../../common/ownership/owned-documents.js';
import { parseSearch } from '../../common/search/search-document.js';
import { buildClientDocument, reregisteredClient } from './client-document.js';
import { ClientsRepository } from './clients.repository.js';

// Called when a client registers (the scheduler does at every start): it is alive.
export type ClientRegisterHook = (owner: Owner, clientId: string) => void;

@Injectable()
export class ClientsService {
  private readonly registerHooks: ClientRegisterHook[] = [];

  constructor(
    private readonly clients: ClientsRepository,
    @Inject(PolicyEnforcer) private readonly policy: PolicyEnforcer,
  ) {}

  onRegister(hook: ClientRegisterHook): void {
    this.registerHooks.push(hook);
  }

  async list(owner: Owner, query: RawQuery, search: JsonValue | undefined): Promise<JsonText> {
    const clients = await this.clients.list(owner, { paging: parsePaging(query), search: parseSearch(search) });
    return jsonListText('clients', clients);
  }

  // The scheduler registers at every start. A registration of a client_id the owner already holds
  // updates it (D22: the 2026 scheduler reports its node's capabilities that way; freezer 13's
  // takes the 201 as it took the 409). The same user's client_id in another project stays a 409.
  async create(ctx: RequestContext, owner: Owner, body: JsonValue | undefined): Promise<{ client_id: string }> {
    const doc = buildClientDocument(owner, body);
    // a central scheduler's client will serve other projects' jobs: a privilege of its own
    if (doc.client.is_central === true && !this.policy.permits('clients:create_central', ctx, owner.projectId)) {
      throw new AccessForbiddenError();
    }
    const clientId = doc.client.client_id;
    try {
      // Twice: a client deleted between the insert and the update is inserted on the second round.
      for (let attempt = 0; attempt < 2; attempt++) {
        if (await this.clients.insert(owner, doc)) return { client_id: clientId };
        const updated = await this.clients.update(owner, clientId, (stored) => {
          const next = reregisteredClient(stored, body as JsonObject);
          return jsonEqual(next, stored) ? null : next;
        });
        if (updated) return { client_id: clientId };
      }
      throw new DocumentExistsError(`Client already registered with ID ${clientId}`);
    } finally {
      // registered, re-registered or refused as another project's: the scheduler is running
      for (const hook of this.registerHooks) hook(owner, clientId);
    }
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
