// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { BadDataFormatError, FreezerError } from '../../common/errors/freezer-errors.js';
import type { JsonValue } from '../../common/json/json.types.js';
import type { SessionDocument, SessionJobEntry } from './session-document.js';
import { BadActionMethodError, endSession, overallResult, parseSessionAction, startSession } from './session-lifecycle.js';

const NOW = 100_000;

function entry(overrides: Partial<SessionJobEntry> = {}): SessionJobEntry {
  return { client_id: 'node1', status: '', result: '', time_started: '', time_ended: '', ...overrides };
}

// A stored session whose last run started `ago` seconds before NOW.
function session(overrides: Record<string, JsonValue> = {}, ago = 1_000): SessionDocument {
  return {
    session_id: 's1',
    user_id: 'u1',
    project_id: 'p1',
    description: 'nightly',
    session_tag: 2,
    hold_off: 30,
    status: 'active',
    result: '',
    schedule: { schedule_interval: '1 days' },
    jobs: { j1: entry(), j2: entry({ client_id: 'node2' }) },
    time_start: NOW - ago,
    time_end: -1,
    time_started: -1,
    time_ended: -1,
    ...overrides,
  } as SessionDocument;
}

function without(doc: SessionDocument, key: string): SessionDocument {
  const copy: Record<string, unknown> = { ...doc };
  delete copy[key];
  return copy as SessionDocument;
}

function thrown(work: () => unknown): FreezerError {
  try {
    work();
  } catch (error) {
    if (error instanceof FreezerError) return error;
    throw error;
  }
  throw new Error('expected a FreezerError');
}

const notAMember = new BadDataFormatError('job_id not found in session');
const started = { status: 'running', result: '', time_started: NOW };

describe('parseSessionAction', () => {
  it('reads the action from the first key', () => {
    expect(parseSessionAction({ start: { job_id: 'j1', current_tag: 1 }, end: { job_id: 'j2', result: 'fail' } })).toEqual({
      kind: 'start',
      jobId: 'j1',
      tag: 1,
    });
    expect(parseSessionAction({ end: { job_id: 'j2', result: 'fail' }, start: { job_id: 'j1', current_tag: 1 } })).toEqual({
      kind: 'end',
      jobId: 'j2',
      result: 'fail',
    });
  });

  it.each([[undefined], [{}], [[]], [null], ['start'], [3]])('answers 400 Bad action request format for %j', (body) => {
    const error = thrown(() => parseSessionAction(body as JsonValue | undefined));
    expect(error).toBeInstanceOf(BadDataFormatError);
    expect(error).toMatchObject({ status: 400, title: 'Bad request format', description: 'Bad action request format' });
  });

  it.each([[{ restart: { job_id: 'j1' } }], [{ abort: {}, start: { job_id: 'j1', current_tag: 0 } }]])(
    'answers 405 Bad Method with an Allow header for the unknown action of %j',
    (body) => {
      const error = thrown(() => parseSessionAction(body));
      expect(error).toBeInstanceOf(BadActionMethodError);
      expect(error).toMatchObject({ status: 405, title: 'Bad Method', description: 'Bad Action Method', headers: { Allow: 'POST' } });
    },
  );

  it.each([
    ['start without job_id', { start: { current_tag: 0 } }],
    ['start with an empty job_id', { start: { job_id: '', current_tag: 0 } }],
    ['start with a numeric job_id', { start: { job_id: 7, current_tag: 0 } }],
    ['start without current_tag', { start: { job_id: 'j1' } }],
    ['start with a null current_tag', { start: { job_id: 'j1', current_tag: null } }],
    ['start with a word for current_tag', { start: { job_id: 'j1', current_tag: 'three' } }],
    ['start with a boolean current_tag', { start: { job_id: 'j1', current_tag: true } }],
    ['start with a list for current_tag', { start: { job_id: 'j1', current_tag: [1] } }],
    ['end without job_id', { end: { current_tag: 0, result: 'success' } }],
    ['end without result', { end: { job_id: 'j1', current_tag: 0 } }],
    ['end with a numeric result', { end: { job_id: 'j1', result: 1 } }],
    ['start parameters that are null', { start: null }],
    ['start parameters that are a string', { start: 'j1' }],
    ['end parameters that are a list', { end: [{ job_id: 'j1', result: 'success' }] }],
  ])('answers 400 for %s', (_name, body) => {
    const error = thrown(() => parseSessionAction(body as JsonValue));
    expect(error).toBeInstanceOf(BadDataFormatError);
    expect(error.status).toBe(400);
    expect(error.description).not.toBe('Bad action request format');
  });

  it('accepts a numeric-string current_tag, as the CLI sends it (session-start --job-tag 3)', () => {
    expect(parseSessionAction({ start: { job_id: 'j1', current_tag: '3' } })).toEqual({ kind: 'start', jobId: 'j1', tag: 3 });
    expect(parseSessionAction({ start: { job_id: 'j1', current_tag: ' -2 ' } })).toEqual({ kind: 'start', jobId: 'j1', tag: -2 });
  });

  it('truncates a float current_tag, as Python int() does', () => {
    expect(parseSessionAction({ start: { job_id: 'j1', current_tag: 2.9 } })).toMatchObject({ tag: 2 });
    expect(parseSessionAction({ start: { job_id: 'j1', current_tag: -1.5 } })).toMatchObject({ tag: -1 });
  });

  it('does not need a current_tag for end (it is ignored)', () => {
    expect(parseSessionAction({ end: { job_id: 'j1', result: 'success' } })).toEqual({ kind: 'end', jobId: 'j1', result: 'success' });
  });
});

describe('startSession', () => {
  it('refuses a tag above the session tag', () => {
    expect(() => startSession(session({ session_tag: 2 }), 'j1', 3, NOW)).toThrow(
      new BadDataFormatError('requested tag value too high. Session Tag: 2 Job Tag: 3'),
    );
    // whatever the window
    expect(() => startSession(session({ session_tag: 2 }, 0), 'j1', 5, NOW)).toThrow(
      new BadDataFormatError('requested tag value too high. Session Tag: 2 Job Tag: 5'),
    );
  });

  it('reads a missing session tag as 0', () => {
    expect(() => startSession(without(session(), 'session_tag'), 'j1', 1, NOW)).toThrow(
      new BadDataFormatError('requested tag value too high. Session Tag: 0 Job Tag: 1'),
    );
  });

  describe('inside the hold-off window', () => {
    it('lets a job with an older tag join the running session and marks it started', () => {
      const before = session({ status: 'running' }, 10);
      const outcome = startSession(before, 'j2', 1, NOW);
      expect(outcome).toEqual({
        session: { ...before, jobs: { ...before.jobs, j2: { ...before.jobs.j2, ...started } } },
        result: 'success',
        changed: true,
      });
      expect(before.jobs.j2).toEqual(entry({ client_id: 'node2' }));
    });

    it('answers hold-off and changes nothing for the current tag', () => {
      const before = session({}, 10);
      expect(startSession(before, 'j1', 2, NOW)).toEqual({ session: before, result: 'hold-off', changed: false });
    });

    it('counts the last second of the window as inside', () => {
      expect(startSession(session({ hold_off: 30 }, 30), 'j1', 2, NOW).result).toBe('hold-off');
      expect(startSession(session({ hold_off: 30 }, 31), 'j1', 2, NOW).result).toBe('success');
    });

    it('checks membership only when it marks the job', () => {
      expect(() => startSession(session({}, 10), 'nope', 1, NOW)).toThrow(notAMember);
      expect(startSession(session({}, 10), 'nope', 2, NOW)).toMatchObject({ result: 'hold-off', changed: false });
    });
  });

  describe('outside the hold-off window', () => {
    it('starts a new run for the current tag: tag + 1, time_start now, running, result cleared', () => {
      const before = session({ status: 'completed', result: 'fail' }, 1_000);
      const outcome = startSession(before, 'j1', 2, NOW);
      expect(outcome).toEqual({
        session: {
          ...before,
          session_tag: 3,
          time_start: NOW,
          status: 'running',
          result: '',
          jobs: { ...before.jobs, j1: { ...before.jobs.j1, ...started } },
        },
        result: 'success',
        changed: true,
      });
      expect(before).toMatchObject({ session_tag: 2, status: 'completed', result: 'fail', time_start: NOW - 1_000 });
    });

    it('answers out-of-sync and changes nothing for an older tag', () => {
      const before = session({}, 1_000);
      expect(startSession(before, 'j1', 1, NOW)).toEqual({ session: before, result: 'out-of-sync', changed: false });
      expect(startSession(before, 'nope', 0, NOW)).toMatchObject({ result: 'out-of-sync', changed: false });
    });

    it('refuses a job that is not a member when it would start the run', () => {
      expect(() => startSession(session({}, 1_000), 'nope', 2, NOW)).toThrow(notAMember);
      expect(() => startSession(session({ jobs: {} }, 1_000), 'j1', 2, NOW)).toThrow(notAMember);
    });

    it('treats a fresh session (time_start -1) as long ago', () => {
      const fresh = session({ session_tag: 0, time_start: -1 });
      expect(startSession(fresh, 'j1', 0, NOW)).toMatchObject({ result: 'success', session: { session_tag: 1, time_start: NOW } });
    });

    it('treats a negative hold_off as a window nothing is ever inside', () => {
      expect(startSession(session({ hold_off: -1 }, 0), 'j1', 2, NOW)).toMatchObject({ result: 'success', session: { session_tag: 3 } });
      expect(startSession(session({ hold_off: -1 }, 0), 'j1', 1, NOW)).toMatchObject({ result: 'out-of-sync', changed: false });
    });
  });

  it('uses 60 seconds when hold_off is missing', () => {
    const noHoldOff = (ago: number) => without(session({}, ago), 'hold_off');
    expect(startSession(noHoldOff(60), 'j1', 2, NOW).result).toBe('hold-off');
    expect(startSession(noHoldOff(61), 'j1', 2, NOW).result).toBe('success');
    // the stored value wins when there is one
    expect(startSession(session({ hold_off: 30 }, 45), 'j1', 2, NOW).result).toBe('success');
  });

  it('counts a missing time_start as 0', () => {
    const noStart = without(session(), 'time_start');
    expect(startSession(noStart, 'j1', 2, NOW)).toMatchObject({ result: 'success', session: { session_tag: 3, time_start: NOW } });
    // only a clock within hold_off of the epoch is inside the window
    expect(startSession(noStart, 'j1', 2, 30)).toMatchObject({ result: 'hold-off', changed: false });
  });
});

describe('overallResult', () => {
  it('is running while any member is not completed, whatever the order (D12, §14 #21)', () => {
    const failed = entry({ status: 'completed', result: 'fail' });
    const running = entry({ status: 'running' });
    expect(overallResult({ a: failed, b: running })).toBe('running');
    expect(overallResult({ a: running, b: failed })).toBe('running');
  });

  it('is fail when every member completed and one did not succeed', () => {
    const ok = entry({ status: 'completed', result: 'success' });
    expect(overallResult({ a: ok, b: entry({ status: 'completed', result: 'fail' }) })).toBe('fail');
    expect(overallResult({ a: entry({ status: 'completed', result: 'fail' }), b: ok })).toBe('fail');
    expect(overallResult({ a: ok, b: entry({ status: 'completed', result: 'aborted' }) })).toBe('fail');
    expect(overallResult({ a: ok, b: entry({ status: 'completed', result: '' }) })).toBe('fail');
  });

  it('is success when every member completed with success', () => {
    const ok = entry({ status: 'completed', result: 'success' });
    expect(overallResult({ a: ok, b: ok })).toBe('success');
  });
});

describe('endSession', () => {
  const runningSession = (jobs: Record<string, SessionJobEntry>) =>
    session({ status: 'running', session_tag: 4, jobs: jobs as unknown as JsonValue }, 100);

  it('marks the member completed and keeps the session running while another member runs', () => {
    const before = runningSession({ j1: entry({ status: 'running' }), j2: entry({ status: 'running' }) });
    expect(endSession(before, 'j1', 'success', NOW)).toEqual({
      session: { ...before, jobs: { ...before.jobs, j1: entry({ status: 'completed', result: 'success', time_ended: NOW }) } },
      result: 'success',
      changed: true,
    });
  });

  it('does not complete the session on a failure while another member runs (REF completed it for [fail, running])', () => {
    const before = runningSession({ j1: entry({ status: 'running' }), j2: entry({ status: 'running' }) });
    expect(endSession(before, 'j1', 'fail', NOW).session).toMatchObject({ status: 'running', result: '', time_end: -1 });
  });

  it('completes the session with success when the last member succeeds', () => {
    const before = runningSession({ j1: entry({ status: 'completed', result: 'success' }), j2: entry({ status: 'running' }) });
    expect(endSession(before, 'j2', 'success', NOW).session).toMatchObject({ status: 'completed', result: 'success', time_end: NOW });
  });

  it.each([['fail'], ['aborted']])('completes the session with fail when a member ended with %s, in either order', (bad) => {
    const firstFailed = runningSession({ j1: entry({ status: 'completed', result: bad }), j2: entry({ status: 'running' }) });
    expect(endSession(firstFailed, 'j2', 'success', NOW).session).toMatchObject({ status: 'completed', result: 'fail', time_end: NOW });
    const lastFailed = runningSession({ j1: entry({ status: 'running' }), j2: entry({ status: 'completed', result: 'success' }) });
    expect(endSession(lastFailed, 'j1', bad, NOW).session).toMatchObject({ status: 'completed', result: 'fail', time_end: NOW });
  });

  it('does not complete a completed session again', () => {
    const before = session({ status: 'completed', result: 'success', time_end: 500, jobs: { j1: entry({ status: 'completed', result: 'success' }) } });
    const outcome = endSession(before, 'j1', 'fail', NOW);
    expect(outcome).toEqual({
      session: { ...before, jobs: { j1: entry({ status: 'completed', result: 'fail', time_ended: NOW }) } },
      result: 'success',
      changed: true,
    });
  });

  it('refuses a job that is not a member', () => {
    expect(() => endSession(runningSession({ j1: entry() }), 'nope', 'success', NOW)).toThrow(notAMember);
  });

  it('answers success with the stored tag whatever the outcome', () => {
    const before = runningSession({ j1: entry({ status: 'running' }) });
    expect(endSession(before, 'j1', 'fail', NOW)).toMatchObject({ result: 'success', session: { session_tag: 4, status: 'completed', result: 'fail' } });
  });
});
