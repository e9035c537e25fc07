// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable } from '@nestjs/common';
import { PolicyEnforcer } from '../../common/auth/policies.js';
import type { Owner, RequestContext } from '../../common/auth/request-context.js';
import { BadDataFormatError, DocumentExistsError, DocumentNotFoundError } from '../../common/errors/freezer-errors.js';
import { checkIfMatch, checkIfMatchBeforeReplace } from '../../common/http/if-match.js';
import { checkStorable } from '../../common/http/json-body.js';
import { booleanParam, parsePaging, queryValue, type RawQuery } from '../../common/http/list-query.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json/json.types.js';
import { jsonEqual } from '../../common/json/json-equal.js';
import { type JsonText, jsonListText } from '../../common/json/json-text.js';
import { mergeDocument } from '../../common/json/merge-document.js';
import { newDocumentId } from '../../common/ownership/document-id.js';
import type { Queryable, StoredDocument, StoredText } from '../../common/ownership/owned-documents.js';
import { parseSearch } from '../../common/search/search-document.js';
import { inTransaction } from '../../common/ownership/transaction.js';
import { ActionsService } from '../actions/actions.service.js';
import { buildJob, expandActionDefaults, type JobDocument, jobBody, validateJob, validateJobPatch } from './job-document.js';
import { applyJobEvent, parseJobEvent } from './job-lifecycle.js';
import { JobsRepository } from './jobs.repository.js';

// Called inside the transaction that deletes a job, before the job's row is locked: sessions
// drop the job from their members (D13) without jobs depending on sessions.
export type JobDeletionHook = (owner: Owner, job: JobDocument, em: Queryable) => Promise<void>;

// Called after a list that names one client_id (the scheduler's poll, §9.2): the client is alive.
// Synchronous and cheap: it runs on every poll.
export type JobPollHook = (owner: Owner, clientId: string) => void;

export interface JobWriteResult {
  job_id: string;
  version: number;
}

const epochSeconds = (): number => Math.floor(Date.now() / 1000);

// How many times a delete runs again because its job moved to another session meanwhile.
const MOVE_ATTEMPTS = 10;

class JobMovedError extends Error {}

@Injectable()
export class JobsService {
  private readonly deletionHooks: JobDeletionHook[] = [];
  private readonly pollHooks: JobPollHook[] = [];

  constructor(
    private readonly jobs: JobsRepository,
    private readonly actions: ActionsService,
    @Inject(PolicyEnforcer) private readonly policy: PolicyEnforcer,
  ) {}

  // `?client_id=` is a shorthand for a match on client_id (D10).
  async list(ctx: RequestContext, owner: Owner, query: RawQuery, body: JsonValue | undefined): Promise<JsonText> {
    const search = parseSearch(body);
    const clientId = queryValue(query, 'client_id');
    // Query text bypasses the body's checks; a NUL would reach PostgreSQL and fail there (D14).
    if (clientId !== undefined) checkStorable(clientId);
    const match = clientId === undefined ? search.match : [...search.match, ['client_id', clientId] as const];
    const request = { paging: parsePaging(query), search: { ...search, match } };
    const jobs = this.everyProject(ctx, owner, query) ? await this.jobs.listEveryProject(request) : await this.jobs.list(owner, request);
    const polled = new Set(match.filter(([key, value]) => key === 'client_id' && typeof value === 'string').map(([, value]) => value as string));
    if (polled.size === 1) for (const hook of this.pollHooks) hook(owner, [...polled][0]);
    return jsonListText('jobs', jobs);
  }

  // Validated before anything is written, and written in one transaction with its actions, so a
  // rejected job leaves no action behind (§14 #5). A body job_id is ignored (§8.3).
  async create(owner: Owner, body: JsonValue | undefined): Promise<{ job_id: string }> {
    const doc = buildJob(owner, newDocumentId(), expandActionDefaults(jobBody(body)), epochSeconds());
    await this.jobs.db.transaction(async (em) => {
      await this.actions.syncEmbedded(owner, doc.job_actions, em);
      await this.jobs.insert(owner, doc, em);
    });
    return { job_id: doc.job_id };
  }

  async get(ctx: RequestContext, owner: Owner, jobId: string, query: RawQuery): Promise<StoredText> {
    const found = this.everyProject(ctx, owner, query) ? await this.jobs.getTextAnywhere(owner, jobId) : await this.jobs.getText(owner, jobId);
    if (!found) throw notFound(jobId);
    return found;
  }

  // ?all_projects=true widens a read to every project for a caller allowed jobs:get_all_projects
  // and is ignored for anyone else, as freezer 2026 does; a privileged caller who did not ask
  // gets the path project's jobs (freezer 2026 widens those too, which no client relies on).
  private everyProject(ctx: RequestContext, owner: Owner, query: RawQuery): boolean {
    return booleanParam(query, 'all_projects') && this.policy.permits('jobs:get_all_projects', ctx, owner.projectId);
  }

  // A recursive merge (D7): the scheduler's write-back and the dashboard's partial edit both land,
  // whatever their order. First without a lock, two statements, the write conditional on the
  // version read (the scheduler's status updates, nobody else writing the job); when another write
  // came first, or the patch brings embedded actions to store with it, under the row lock.
  async patch(owner: Owner, jobId: string, body: JsonValue | undefined, ifMatch: string | undefined): Promise<JobWriteResult> {
    if (!isJsonObject(body)) throw new BadDataFormatError('The job document must be a JSON object');
    const patch = expandActionDefaults(jobBody(body));
    validateJobPatch(patch);
    if (!Array.isArray(patch.job_actions)) {
      const current = await this.read(owner, jobId, this.jobs.db, ifMatch, false);
      const written = await this.mergeAndWrite(jobId, current, patch, (doc) => this.jobs.updateAt(owner, doc, current));
      if (written) return written;
    }
    return this.jobs.db.transaction(async (em) => {
      const current = await this.read(owner, jobId, em, ifMatch, true);
      if (Array.isArray(patch.job_actions)) await this.actions.syncEmbedded(owner, patch.job_actions as JsonObject[], em);
      return (await this.mergeAndWrite(jobId, current, patch, (doc) => this.jobs.update(owner, doc, em)))!;
    });
  }

  // The patch merged into the job and written by `write`; undefined when `write` found the job
  // changed since it was read. D6: the version counts changes; a PATCH that changes nothing is not one.
  private async mergeAndWrite(
    jobId: string,
    current: StoredDocument<JobDocument>,
    patch: JsonObject,
    write: (doc: JobDocument) => Promise<number | null>,
  ): Promise<JobWriteResult | undefined> {
    const doc = mergeDocument(current.doc, patch);
    validateJob(doc);
    if (jsonEqual(doc, current.doc)) return { job_id: jobId, version: current.version };
    const version = await write(doc);
    return version === null ? undefined : { job_id: jobId, version };
  }

  // Item POST and PUT (D8): an upsert with the path's id; freezerclient's job-create --file uses it.
  async replace(owner: Owner, jobId: string, body: JsonValue | undefined, ifMatch: string | undefined): Promise<JobWriteResult> {
    const doc = buildJob(owner, jobId, expandActionDefaults(jobBody(body)), null);
    const version = await this.jobs.db.transaction(async (em) => {
      if (ifMatch !== undefined) checkIfMatchBeforeReplace(ifMatch, await this.jobs.get(owner, jobId, em, true));
      await this.actions.syncEmbedded(owner, doc.job_actions, em);
      const written = await this.jobs.upsert(owner, doc, em);
      // thrown inside the transaction, so the actions synced above are rolled back too (§14 #5)
      if (written === null) throw new DocumentExistsError(`Job ${jobId} already exists in another project`);
      return written;
    });
    return { job_id: jobId, version };
  }

  // §8.10 and D11; the version moves only when the event changed something.
  async applyEvent(owner: Owner, jobId: string, body: JsonValue | undefined): Promise<{ result: string }> {
    const event = parseJobEvent(body);
    return this.jobs.db.transaction(async (em) => {
      const current = await this.read(owner, jobId, em, undefined, true);
      const outcome = applyJobEvent(current.doc.job_schedule ?? {}, event);
      if (outcome.changed) await this.jobs.update(owner, { ...current.doc, job_schedule: outcome.schedule }, em);
      return { result: outcome.result };
    });
  }

  async remove(owner: Owner, jobId: string, ifMatch: string | undefined): Promise<void> {
    let deleted: boolean | undefined;
    for (let attempt = 1; deleted === undefined; attempt++) {
      deleted = await inTransaction(this.jobs.db, async (em) => {
        const peek = await this.jobs.get(owner, jobId, em);
        if (!peek) return false;
        // The session is locked before the job, the order membership changes take too.
        for (const hook of this.deletionHooks) await hook(owner, peek.doc, em);
        const current = await this.jobs.get(owner, jobId, em, true);
        if (!current) return false;
        // Moved to another session between the peek and the lock: that session would keep listing
        // the deleted job. Roll back and run again.
        if ((current.doc.session_id || '') !== (peek.doc.session_id || '') && attempt < MOVE_ATTEMPTS) throw new JobMovedError();
        checkIfMatch(ifMatch, current.version);
        return this.jobs.remove(owner, jobId, em);
      }).catch((error: unknown) => {
        if (error instanceof JobMovedError) return undefined;
        throw error;
      });
    }
    if (!deleted && owner.api === 'v1') throw new DocumentNotFoundError(`No Job found with ID:${jobId}`);
  }

  onDelete(hook: JobDeletionHook): void {
    this.deletionHooks.push(hook);
  }

  onPoll(hook: JobPollHook): void {
    this.pollHooks.push(hook);
  }

  // For session membership (D13), inside the caller's transaction.
  getLocked(owner: Owner, jobId: string, em: Queryable): Promise<StoredDocument<JobDocument> | null> {
    return this.jobs.get(owner, jobId, em, true);
  }

  // The same without a lock: which session to lock before the job.
  peek(owner: Owner, jobId: string, em: Queryable): Promise<StoredDocument<JobDocument> | null> {
    return this.jobs.get(owner, jobId, em);
  }

  save(owner: Owner, doc: JobDocument, em: Queryable): Promise<number> {
    return this.jobs.update(owner, doc, em);
  }

  // The stored job (404 without it), checked against If-Match; `forUpdate` inside a transaction.
  private async read(owner: Owner, jobId: string, db: Queryable, ifMatch: string | undefined, forUpdate: boolean): Promise<StoredDocument<JobDocument>> {
    const current = await this.jobs.get(owner, jobId, db, forUpdate);
    if (!current) throw notFound(jobId);
    checkIfMatch(ifMatch, current.version);
    return current;
  }
}

function notFound(jobId: string): DocumentNotFoundError {
  return new DocumentNotFoundError(`No job found with ID ${jobId}`);
}
