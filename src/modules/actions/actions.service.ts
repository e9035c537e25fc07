// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import type { Owner } from '../../common/auth/request-context.js';
import { DocumentExistsError, DocumentNotFoundError } from '../../common/errors/freezer-errors.js';
import { checkIfMatch, checkIfMatchBeforeReplace } from '../../common/http/if-match.js';
import { parsePaging, type RawQuery } from '../../common/http/list-query.js';
import type { JsonObject, JsonValue } from '../../common/json/json.types.js';
import { jsonEqual } from '../../common/json/json-equal.js';
import { type JsonText, jsonListText } from '../../common/json/json-text.js';
import { mergeDocument } from '../../common/json/merge-document.js';
import { newDocumentId } from '../../common/ownership/document-id.js';
import type { Queryable, StoredText } from '../../common/ownership/owned-documents.js';
import { parseSearch } from '../../common/search/search-document.js';
import {
  buildActionDocument,
  requireBody,
  validateAction,
  validateActionPatch,
  withoutServerFields,
} from './action-document.js';
import { ActionsRepository } from './actions.repository.js';
import { sameFreezerAction } from './embedded-actions.js';

const ID = /^[\w-]{1,255}$/;

export interface WriteResult {
  action_id: string;
  version: number;
}

@Injectable()
export class ActionsService {
  constructor(private readonly actions: ActionsRepository) {}

  async list(owner: Owner, query: RawQuery, search: JsonValue | undefined): Promise<JsonText> {
    const actions = await this.actions.list(owner, { paging: parsePaging(query), search: parseSearch(search) });
    return jsonListText('actions', actions);
  }

  // The body's action_id is kept (freezer's api/v2/actions.py); 409 if the caller already has it.
  async create(owner: Owner, body: JsonValue | undefined): Promise<{ action_id: string }> {
    const fields = requireBody(body);
    const doc = buildActionDocument(owner, fields.action_id ?? newDocumentId(), fields);
    const actionId = doc.action_id;
    if (!(await this.actions.insert(owner, doc))) throw new DocumentExistsError(`Action already registered with ID ${actionId}`);
    return { action_id: actionId };
  }

  async get(owner: Owner, actionId: string): Promise<StoredText> {
    const found = await this.actions.getText(owner, actionId);
    if (!found) throw notFound(actionId);
    return found;
  }

  // A recursive merge under a row lock (D7).
  async patch(owner: Owner, actionId: string, body: JsonValue | undefined, ifMatch: string | undefined): Promise<WriteResult> {
    const patch = withoutServerFields(requireBody(body));
    validateActionPatch(patch);
    return this.actions.db.transaction(async (em) => {
      const current = await this.actions.get(owner, actionId, em, true);
      if (!current) throw notFound(actionId);
      checkIfMatch(ifMatch, current.version);
      const doc = mergeDocument(current.doc, patch);
      validateAction(doc);
      // D6: the version counts changes; a PATCH that changes nothing is not one.
      if (jsonEqual(doc, current.doc)) return { action_id: actionId, version: current.version };
      return { action_id: actionId, version: await this.actions.update(owner, doc, em) };
    });
  }

  // Item POST and PUT (D8): an upsert with the id of the path.
  async replace(owner: Owner, actionId: string, body: JsonValue | undefined, ifMatch: string | undefined): Promise<WriteResult> {
    const doc = buildActionDocument(owner, actionId, requireBody(body));
    const version = await this.actions.db.transaction(async (em) => {
      if (ifMatch !== undefined) checkIfMatchBeforeReplace(ifMatch, await this.actions.get(owner, actionId, em, true));
      return this.actions.upsert(owner, doc, em);
    });
    if (version === null) throw new DocumentExistsError(`Action ${actionId} already exists in another project`);
    return { action_id: actionId, version };
  }

  async remove(owner: Owner, actionId: string, ifMatch: string | undefined): Promise<void> {
    const deleted = await this.actions.remove(owner, actionId, ifMatch);
    if (!deleted && owner.api === 'v1') throw new DocumentNotFoundError(`No action found with ID:${actionId}`);
  }

  // §8.4: every action embedded in a job is also an action of the collection. An element whose
  // action_id names an equal stored action keeps it; one that is new or differs becomes a new
  // action (freezer blanked the id and failed instead, §14 #4). The element gets the action's
  // action_id, user_id and project_id written into it. Runs inside the job's transaction.
  async syncEmbedded(owner: Owner, elements: JsonObject[], db: Queryable): Promise<void> {
    for (const element of elements) {
      const wanted = typeof element.action_id === 'string' && ID.test(element.action_id) ? element.action_id : null;
      const actionId = wanted === null ? await this.insertFresh(owner, element, db) : await this.reuseOrCreate(owner, wanted, element, db);
      Object.assign(element, { action_id: actionId, user_id: owner.userId, project_id: owner.projectId });
    }
  }

  private async reuseOrCreate(owner: Owner, actionId: string, element: JsonObject, db: Queryable): Promise<string> {
    const stored = await this.actions.get(owner, actionId, db);
    if (stored) {
      return sameFreezerAction(stored.doc.freezer_action, element.freezer_action) ? actionId : this.insertFresh(owner, element, db);
    }
    const inserted = await this.actions.insert(owner, buildActionDocument(owner, actionId, element), db);
    return inserted ? actionId : this.insertFresh(owner, element, db);
  }

  private async insertFresh(owner: Owner, element: JsonObject, db: Queryable): Promise<string> {
    const actionId = newDocumentId();
    await this.actions.insert(owner, buildActionDocument(owner, actionId, element), db);
    return actionId;
  }
}

function notFound(actionId: string): DocumentNotFoundError {
  return new DocumentNotFoundError(`No action found with ID ${actionId}`);
}
