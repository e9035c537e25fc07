// SPDX-License-Identifier: Apache-2.0
import { isJsonObject, type JsonObject } from '../../common/json/json.types.js';
import { validateSession } from '../../modules/sessions/session-document.js';
import type { SourceRow } from '../source/source-database.js';
import { integerColumn, parseJsonColumn, rowIdentity, textColumn, validated, type SourceDocument } from './source-document.js';

export const SESSION_COLUMNS = [
  'id', 'project_id', 'user_id', 'session_tag', 'description', 'hold_off', 'schedule', 'job', 'time_start', 'time_end',
  'time_started', 'time_ended', 'status', 'result', 'created_at', 'updated_at', 'deleted',
] as const;

// Whether the owner (user) has a live job with this id in the source.
export type LiveJobs = (userId: string, jobId: string) => boolean;

// db/sqlalchemy/api.py get_session, with the original's broken data mended: a `job` column that is
// SQL NULL or the text null (a replace without jobs) becomes no members, and members whose job
// was deleted leave the map, as deleting a job does here. Columns the original left empty and
// this service types take its defaults.
export function sessionFromRow(row: SourceRow, liveJob: LiveJobs): SourceDocument {
  const identity = rowIdentity(row);
  const members = parseJsonColumn(row, 'job');
  const jobs: JsonObject = {};
  if (isJsonObject(members)) {
    for (const [jobId, entry] of Object.entries(members)) if (liveJob(identity.userId, jobId)) jobs[jobId] = entry;
  }
  const doc = {
    project_id: identity.projectId,
    session_id: identity.id,
    user_id: identity.userId,
    description: textColumn(row, 'description') ?? '',
    session_tag: integerColumn(row, 'session_tag') ?? 0,
    result: textColumn(row, 'result'),
    hold_off: integerColumn(row, 'hold_off') ?? 30,
    status: textColumn(row, 'status') ?? 'active',
    time_ended: integerColumn(row, 'time_ended') ?? -1,
    time_started: integerColumn(row, 'time_started') ?? -1,
    time_end: integerColumn(row, 'time_end') ?? -1,
    time_start: integerColumn(row, 'time_start') ?? -1,
    schedule: parseJsonColumn(row, 'schedule') ?? {},
    jobs,
  };
  return { ...identity, doc: validated(doc, validateSession) };
}
