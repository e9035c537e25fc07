// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { sessionFromRow } from './session-row.js';

const row = {
  id: 's1', project_id: null, user_id: 'carol', session_tag: 2, description: null, hold_off: 30, schedule: '{}', job: null,
  time_start: -1, time_end: -1, time_started: -1, time_ended: -1, status: 'active', result: null,
  created_at: '2026-12-05 06:20:03.123456', updated_at: '2026-12-05 07:00:00', deleted: 0,
};
const live = (userId: string, jobId: string): boolean => userId === 'carol' && jobId === 'j1';

describe('sessionFromRow', () => {
  it('gives a session whose jobs are SQL NULL or the text null no members, and no null description', () => {
    for (const job of [null, 'null']) {
      const { doc } = sessionFromRow({ ...row, job }, live);
      expect(doc).toMatchObject({ jobs: {}, description: '', result: null, project_id: null, session_tag: 2 });
    }
  });

  it('keeps the members whose job is alive and drops the deleted ones', () => {
    const job = JSON.stringify({ j1: { status: 'running' }, j2: { status: 'completed' } });
    expect(sessionFromRow({ ...row, job }, live).doc.jobs).toEqual({ j1: { status: 'running' } });
  });

  it('keeps the creation time to the microsecond', () => {
    expect(sessionFromRow(row, live).createdAt).toBe('2026-12-05T06:20:03.123456Z');
  });
});
