// SPDX-License-Identifier: Apache-2.0
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Owner } from '../../common/auth/request-context.js';
import { DocumentNotFoundError } from '../../common/errors/freezer-errors.js';
import { isJsonObject, type JsonObject } from '../../common/json/json.types.js';
import { mergeDocument } from '../../common/json/merge-document.js';
import type { Queryable } from '../../common/ownership/owned-documents.js';
import { inTransaction } from '../../common/ownership/transaction.js';
import type { JobDocument } from '../jobs/job-document.js';
import { JobsService } from '../jobs/jobs.service.js';
import type { SessionDocument, SessionJobEntry } from './session-document.js';
import { SessionsRepository } from './sessions.repository.js';

// How many times an add runs again because its job moved to yet another session meanwhile.
const MOVE_ATTEMPTS = 10;

// Which jobs belong to which session (D13). Every change touches a session and a job together, in
// one transaction, locking sessions before jobs (the order job deletion uses too).
@Injectable()
export class SessionMembershipService implements OnModuleInit {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly jobs: JobsService,
  ) {}

  onModuleInit(): void {
    this.jobs.onDelete((owner, job, em) => this.dropDeletedJob(owner, job, em));
  }

  // PUT /sessions/{id}/jobs/{job_id}: the job joins, leaving any other session first. Both
  // sessions are locked, in id order, before the job: two moves in opposite directions (A -> B and
  // B -> A) would otherwise each hold one session and wait for the other. The job's session is read
  // before the locks; if it changed before the job's lock was taken, the whole step runs again.
  async addJob(owner: Owner, sessionId: string, jobId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const done = await inTransaction(this.sessions.db, async (em) => {
        const previous = (await this.jobs.peek(owner, jobId, em))?.doc.session_id || '';
        const moving = previous !== '' && previous !== sessionId;
        const ids = moving ? [sessionId, previous].sort() : [sessionId];
        const locked = new Map<string, SessionDocument | undefined>();
        for (const id of ids) locked.set(id, (await this.sessions.get(owner, id, em, true))?.doc);
        const session = locked.get(sessionId);
        if (!session) throw new DocumentNotFoundError(`No session found with ID ${sessionId}`);
        const current = await this.jobs.getLocked(owner, jobId, em);
        if (!current) throw jobNotFound(jobId);
        if ((current.doc.session_id || '') !== previous) return false;
        const left = moving ? locked.get(previous) : undefined;
        if (left && jobId in (left.jobs ?? {})) {
          const { [jobId]: _removed, ...jobs } = left.jobs;
          await this.sessions.update(owner, { ...left, jobs }, em);
        }
        const job = current.doc;
        await this.sessions.update(owner, { ...session, jobs: { ...session.jobs, [jobId]: entryFor(job) } }, em);
        await this.jobs.save(owner, joinedJob(job, session), em);
        return true;
      });
      if (done) return;
      if (attempt >= MOVE_ATTEMPTS) throw new Error(`job ${jobId} kept changing session while being added to ${sessionId}`);
    }
  }

  // DELETE /sessions/{id}/jobs/{job_id}: a no-op for a job that is not a member.
  removeJob(owner: Owner, sessionId: string, jobId: string): Promise<void> {
    return inTransaction(this.sessions.db, async (em) => {
      const session = await this.lockSession(owner, sessionId, em);
      const current = await this.jobs.getLocked(owner, jobId, em);
      if (!current) throw jobNotFound(jobId);
      if (!(jobId in (session.jobs ?? {}))) return;
      const { [jobId]: _removed, ...jobs } = session.jobs;
      await this.sessions.update(owner, { ...session, jobs }, em);
      if (current.doc.session_id === sessionId) await this.jobs.save(owner, leftJob(current.doc), em);
    });
  }

  // A deleted session lets its members go (they keep running on their own schedule).
  async detachAll(owner: Owner, session: SessionDocument, em: Queryable): Promise<void> {
    for (const jobId of Object.keys(session.jobs ?? {})) {
      const member = await this.jobs.getLocked(owner, jobId, em);
      if (member && member.doc.session_id === session.session_id) {
        await this.jobs.save(owner, { ...member.doc, session_id: '', session_tag: 0 }, em);
      }
    }
  }

  private async dropDeletedJob(owner: Owner, job: JobDocument, em: Queryable): Promise<void> {
    if (job.session_id) await this.dropEntry(owner, job.session_id, job.job_id, em);
  }

  private async dropEntry(owner: Owner, sessionId: string, jobId: string, em: Queryable): Promise<void> {
    const session = await this.sessions.get(owner, sessionId, em, true);
    if (!session || !(jobId in (session.doc.jobs ?? {}))) return;
    const { [jobId]: _removed, ...jobs } = session.doc.jobs;
    await this.sessions.update(owner, { ...session.doc, jobs }, em);
  }

  private async lockSession(owner: Owner, sessionId: string, em: Queryable): Promise<SessionDocument> {
    const found = await this.sessions.get(owner, sessionId, em, true);
    if (!found) throw new DocumentNotFoundError(`No session found with ID ${sessionId}`);
    return found.doc;
  }
}

function jobNotFound(jobId: string): DocumentNotFoundError {
  return new DocumentNotFoundError(`No job found with ID ${jobId}`);
}

// api/v2/sessions.py SessionsJob.on_put: what the session records of a member.
function entryFor(job: JobDocument): SessionJobEntry {
  const schedule = job.job_schedule ?? {};
  return {
    client_id: job.client_id,
    status: schedule.status || '',
    result: schedule.result || '',
    time_started: schedule.time_started || '',
    time_ended: schedule.time_ended || '',
  };
}

// The session's schedule_* keys win so that every member fires together; the job keeps its own
// event, status, result and times (freezer replaced the whole schedule, §14 #19).
function joinedJob(job: JobDocument, session: SessionDocument): JobDocument {
  const schedule: JsonObject = isJsonObject(session.schedule) ? session.schedule : {};
  const timing = Object.fromEntries(Object.entries(schedule).filter(([key]) => key.startsWith('schedule_')));
  return {
    ...job,
    session_id: session.session_id,
    session_tag: session.session_tag ?? 0,
    job_schedule: mergeDocument(job.job_schedule ?? {}, timing),
  };
}

function leftJob(job: JobDocument): JobDocument {
  return { ...job, session_id: '', session_tag: 0, job_schedule: { ...(job.job_schedule ?? {}), event: 'stop' } };
}
