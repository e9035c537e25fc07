// SPDX-License-Identifier: Apache-2.0
import { BadDataFormatError, FreezerError } from '../../common/errors/freezer-errors.js';
import { isJsonObject, type JsonValue } from '../../common/json/json.types.js';
import type { SessionDocument, SessionJobEntry } from './session-document.js';

export type SessionAction =
  | { kind: 'start'; jobId: string; tag: number }
  | { kind: 'end'; jobId: string; result: string };

export class BadActionMethodError extends FreezerError {
  constructor() {
    super(405, 'Bad Method', 'Bad Action Method', { Allow: 'POST' });
  }
}

// §10.5: the action is the body's first key; its parameters are a closed object.
export function parseSessionAction(body: JsonValue | undefined): SessionAction {
  if (!isJsonObject(body) || Object.keys(body).length === 0) throw new BadDataFormatError('Bad action request format');
  const [name] = Object.keys(body);
  if (name !== 'start' && name !== 'end') throw new BadActionMethodError();
  const params = body[name];
  if (!isJsonObject(params)) throw new BadDataFormatError(`The "${name}" parameters must be an object`);
  const jobId = params.job_id;
  if (typeof jobId !== 'string' || jobId === '') throw new BadDataFormatError(`The "${name}" parameters need a "job_id" string`);
  if (name === 'end') {
    if (typeof params.result !== 'string') throw new BadDataFormatError('The "end" parameters need a "result" string');
    return { kind: 'end', jobId, result: params.result };
  }
  return { kind: 'start', jobId, tag: parseTag(params.current_tag) };
}

// The CLI sends the tag as a string ("3"); a float is truncated, as Python's int() does.
function parseTag(value: JsonValue | undefined): number {
  const tag = typeof value === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof tag !== 'number' || !Number.isFinite(tag)) {
    throw new BadDataFormatError('The "start" parameters need an integer "current_tag"');
  }
  return Math.trunc(tag);
}

export interface ActionOutcome {
  session: SessionDocument;
  result: string;
  changed: boolean;
}

function notAMember(): BadDataFormatError {
  return new BadDataFormatError('job_id not found in session');
}

function markJob(session: SessionDocument, jobId: string, entry: Pick<SessionJobEntry, 'status' | 'result'> & { time_started?: number; time_ended?: number }): SessionDocument {
  const current = session.jobs?.[jobId];
  if (!current) throw notAMember();
  const updated: SessionJobEntry = { ...current, ...entry };
  return { ...session, jobs: { ...session.jobs, [jobId]: updated } };
}

// api/v2/sessions.py Session.start, with every time on the database clock (D12).
export function startSession(session: SessionDocument, jobId: string, tag: number, now: number): ActionOutcome {
  const stored = session.session_tag ?? 0;
  if (tag > stored) throw new BadDataFormatError(`requested tag value too high. Session Tag: ${stored} Job Tag: ${tag}`);
  const holdOff = typeof session.hold_off === 'number' ? session.hold_off : 60;
  const since = now - (typeof session.time_start === 'number' ? session.time_start : 0);
  const started = { status: 'running', result: '', time_started: now };
  if (since <= holdOff) {
    if (tag === stored) return { session, result: 'hold-off', changed: false };
    return { session: markJob(session, jobId, started), result: 'success', changed: true };
  }
  if (tag < stored) return { session, result: 'out-of-sync', changed: false };
  const run = { ...session, session_tag: stored + 1, time_start: now, status: 'running', result: '' };
  return { session: markJob(run, jobId, started), result: 'success', changed: true };
}

// Order-independent (D12): running while any member is not completed, else fail if any member's
// result is not success, else success.
export function overallResult(jobs: Record<string, SessionJobEntry>): 'running' | 'fail' | 'success' {
  const entries = Object.values(jobs);
  if (entries.some((entry) => entry.status !== 'completed')) return 'running';
  return entries.every((entry) => entry.result === 'success') ? 'success' : 'fail';
}

// api/v2/sessions.py Session.end.
export function endSession(session: SessionDocument, jobId: string, result: string, now: number): ActionOutcome {
  const marked = markJob(session, jobId, { status: 'completed', result, time_ended: now });
  const overall = overallResult(marked.jobs);
  const completes = marked.status !== 'completed' && overall !== 'running';
  const next = completes ? { ...marked, time_end: now, result: overall, status: 'completed' } : marked;
  return { session: next, result: 'success', changed: true };
}
