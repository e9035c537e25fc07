// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import type { Owner } from '../../common/auth/request-context.js';
import { DocumentExistsError, DocumentNotFoundError } from '../../common/errors/freezer-errors.js';
import { checkIfMatch, checkIfMatchBeforeReplace } from '../../common/http/if-match.js';
import { parsePaging, type RawQuery } from '../../common/http/list-query.js';
import { type JsonText, jsonListText } from '../../common/json/json-text.js';
import type { JsonValue } from '../../common/json/json.types.js';
import { jsonEqual } from '../../common/json/json-equal.js';
import { mergeDocument } from '../../common/json/merge-document.js';
import { newDocumentId } from '../../common/ownership/document-id.js';
import type { Queryable, StoredDocument, StoredText } from '../../common/ownership/owned-documents.js';
import { SerialByKey } from '../../common/ownership/serial-by-key.js';
import { inTransaction } from '../../common/ownership/transaction.js';
import { FreezerMetrics } from '../../common/observability/metrics.js';
import { parseSearch } from '../../common/search/search-document.js';
import { buildSession, type SessionDocument, sessionBody, sessionPatchBody, validateSession, validateSessionPatch } from './session-document.js';
import { type ActionOutcome, endSession, parseSessionAction, type SessionAction, startSession } from './session-lifecycle.js';
import { SessionMembershipService } from './session-membership.service.js';
import { SessionsRepository } from './sessions.repository.js';

export interface SessionWriteResult {
  session_id: string;
  version: number;
}

@Injectable()
export class SessionsService {
  // session actions of one session, one at a time in this process (see SerialByKey)
  private readonly actionQueue = new SerialByKey();

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly membership: SessionMembershipService,
    private readonly metrics: FreezerMetrics,
  ) {}

  async list(owner: Owner, query: RawQuery, search: JsonValue | undefined): Promise<JsonText> {
    const sessions = await this.sessions.list(owner, { paging: parsePaging(query), search: parseSearch(search) });
    return jsonListText('sessions', sessions);
  }

  // A body session_id and jobs are ignored, its session_tag kept (default 0) (§10.3, D13); a new
  // session is always active, whatever the body says (elasticv2_utils.py SessionDoc.create;
  // tempest posts "completed").
  async create(owner: Owner, body: JsonValue | undefined): Promise<{ session_id: string }> {
    const doc = buildSession(owner, newDocumentId(), { ...sessionBody(body), status: 'active', last_start: '' }, { session_tag: 0 });
    await this.sessions.insert(owner, doc);
    return { session_id: doc.session_id };
  }

  async get(owner: Owner, sessionId: string): Promise<StoredText> {
    const found = await this.sessions.getText(owner, sessionId);
    if (!found) throw notFound(sessionId);
    return found;
  }

  // A recursive merge under a row lock (D7); membership keys are ignored (D13).
  async patch(owner: Owner, sessionId: string, body: JsonValue | undefined, ifMatch: string | undefined): Promise<SessionWriteResult> {
    const patch = sessionPatchBody(body);
    validateSessionPatch(patch);
    return this.sessions.db.transaction(async (em) => {
      const current = await this.lock(owner, sessionId, em, ifMatch);
      const doc = mergeDocument(current.doc, patch);
      validateSession(doc);
      // D6: the version counts changes; a PATCH that changes nothing is not one.
      if (jsonEqual(doc, current.doc)) return { session_id: sessionId, version: current.version };
      return { session_id: sessionId, version: await this.sessions.update(owner, doc, em) };
    });
  }

  // Item POST and PUT (D8): an upsert that keeps the membership and the tag the session has; a
  // new session starts with the body's tag and no members.
  async replace(owner: Owner, sessionId: string, body: JsonValue | undefined, ifMatch: string | undefined): Promise<SessionWriteResult> {
    const doc = buildSession(owner, sessionId, sessionBody(body));
    const version = await this.sessions.db.transaction(async (em) => {
      if (ifMatch !== undefined) checkIfMatchBeforeReplace(ifMatch, await this.sessions.get(owner, sessionId, em, true));
      return this.sessions.upsertKeepingMembership(owner, doc, em);
    });
    if (version === null) throw new DocumentExistsError(`Session ${sessionId} already exists in another project`);
    return { session_id: sessionId, version };
  }

  async remove(owner: Owner, sessionId: string, ifMatch: string | undefined): Promise<void> {
    const deleted = await inTransaction(this.sessions.db, async (em) => {
      const current = await this.sessions.get(owner, sessionId, em, true);
      if (!current) return false;
      checkIfMatch(ifMatch, current.version);
      await this.membership.detachAll(owner, current.doc, em);
      return this.sessions.remove(owner, sessionId, em);
    });
    if (!deleted && owner.api === 'v1') throw new DocumentNotFoundError(`No session found with ID:${sessionId}`);
  }

  // §10.5: read, decide, write only if nobody wrote in between (D12). First without a lock, two
  // statements: the usual case of schedulers acting on sessions of their own. When another writer
  // came first, again under the row lock, which queues the writers of one busy session; waiting
  // there can make it a deadlock victim of other writers: run again. The schedulers of one
  // session's jobs start and end them at the same moments, so their actions on one session queue
  // in this process first, and only writers from elsewhere take the locked way.
  async applyAction(owner: Owner, sessionId: string, body: JsonValue | undefined): Promise<{ result: string; session_tag: number }> {
    const action = parseSessionAction(body);
    return this.actionQueue.run(`${owner.ownerId}\u0000${sessionId}`, () => this.applyParsedAction(owner, sessionId, action));
  }

  private async applyParsedAction(owner: Owner, sessionId: string, action: SessionAction): Promise<{ result: string; session_tag: number }> {
    const unlocked = await this.sessions.getWithClock(owner, sessionId);
    if (!unlocked.current) throw notFound(sessionId);
    let answer = await this.decide(unlocked.current, action, unlocked.now, (outcome, version) =>
      this.sessions.updateAt(owner, outcome.session, version),
    );
    answer ??= await inTransaction(this.sessions.db, async (em) => {
      const current = await this.lock(owner, sessionId, em, undefined);
      const now = await this.sessions.now(em);
      return (await this.decide(current, action, now, (outcome) => this.sessions.update(owner, outcome.session, em)))!;
    });
    // Counted once committed: a hold-off or out-of-sync rate tells of schedulers out of step.
    this.metrics.sessionActions.inc({ action: action.kind, result: answer.result });
    return answer;
  }

  // The answer, or undefined when `write` found the session changed since it was read.
  private async decide(
    current: StoredDocument<SessionDocument>,
    action: SessionAction,
    now: number,
    write: (outcome: ActionOutcome, version: number) => Promise<number | null>,
  ): Promise<{ result: string; session_tag: number } | undefined> {
    const outcome =
      action.kind === 'start'
        ? startSession(current.doc, action.jobId, action.tag, now)
        : endSession(current.doc, action.jobId, action.result, now);
    if (outcome.changed && (await write(outcome, current.version)) === null) return undefined;
    return { result: outcome.result, session_tag: outcome.session.session_tag ?? 0 };
  }

  private async lock(owner: Owner, sessionId: string, em: Queryable, ifMatch: string | undefined): Promise<StoredDocument<SessionDocument>> {
    const current = await this.sessions.get(owner, sessionId, em, true);
    if (!current) throw notFound(sessionId);
    checkIfMatch(ifMatch, current.version);
    return current;
  }
}

function notFound(sessionId: string): DocumentNotFoundError {
  return new DocumentNotFoundError(`No session found with ID ${sessionId}`);
}
