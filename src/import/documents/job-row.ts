// SPDX-License-Identifier: Apache-2.0
import { validateJob } from '../../modules/jobs/job-document.js';
import type { SourceRow } from '../source/source-database.js';
import { integerColumn, parseJsonColumn, rowIdentity, textColumn, validated, type SourceDocument } from './source-document.js';

export const JOB_COLUMNS = [
  'id', 'project_id', 'user_id', 'schedule', 'client_id', 'session_id', 'session_tag', 'description', 'job_actions',
  'created_at', 'updated_at', 'deleted',
] as const;

// Whether the owner (user) has a live session with this id in the source.
export type LiveSessions = (userId: string, sessionId: string) => boolean;

// db/sqlalchemy/api.py get_job. A job that still names a session deleted in the original is
// detached, as deleting a session does in this service.
export function jobFromRow(row: SourceRow, liveSession: LiveSessions): SourceDocument {
  const identity = rowIdentity(row);
  let sessionId = textColumn(row, 'session_id') ?? '';
  let sessionTag = integerColumn(row, 'session_tag') ?? 0;
  if (sessionId !== '' && !liveSession(identity.userId, sessionId)) {
    sessionId = '';
    sessionTag = 0;
  }
  const doc = {
    job_id: identity.id,
    project_id: identity.projectId,
    user_id: identity.userId,
    job_schedule: parseJsonColumn(row, 'schedule'),
    client_id: textColumn(row, 'client_id'),
    session_id: sessionId,
    session_tag: sessionTag,
    description: textColumn(row, 'description') ?? '',
    job_actions: parseJsonColumn(row, 'job_actions'),
  };
  return { ...identity, doc: validated(doc, validateJob) };
}
