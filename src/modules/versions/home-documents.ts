// SPDX-License-Identifier: Apache-2.0
import type { JsonObject } from '../../common/json/json.types.js';

// freezer's api/versions.py: the date is the one upstream publishes for both versions.
const UPDATED = '2018-02-21T13:30:00';

export function versionsDocument(baseUrl: string, withV1: boolean): JsonObject {
  const entry = (id: string, status: string): JsonObject => ({
    id,
    status,
    updated: UPDATED,
    links: [{ href: `${baseUrl}/${id}/`, rel: 'self' }],
  });
  return { versions: withV1 ? [entry('v2', 'CURRENT'), entry('v1', 'DEPRECATED')] : [entry('v2', 'CURRENT')] };
}

const JSON_FORMAT = { 'application/json': {} };

// api/v1/homedoc.py and api/v2/homedoc.py; tempest compares the rel/backups strings exactly. v2
// lists the jobs resources as freezer 2026 does.
export function homeDocument(version: 'v1' | 'v2'): JsonObject {
  const v2 = version === 'v2';
  const backups: JsonObject = {
    'href-template': v2 ? '/v2/{project_id}/backups/{backup_id}' : '/v1/backups/{backup_id}',
    'href-vars': v2 ? { project_id: 'param/project_id', backup_id: 'param/backup_id' } : { backup_id: 'param/backup_id' },
    hints: { allow: ['GET'], formats: JSON_FORMAT },
  };
  if (!v2) return { resources: { 'rel/backups': backups } };
  return {
    resources: {
      'rel/backups': backups,
      'rel/jobs': {
        'href-template': '/v2/{project_id}/jobs{?all_projects,offset,limit}',
        'href-vars': { project_id: 'param/project_id', all_projects: 'param/all_projects', offset: 'param/offset', limit: 'param/limit' },
        hints: { allow: ['GET', 'POST'], formats: JSON_FORMAT },
      },
      'rel/job': {
        'href-template': '/v2/{project_id}/jobs/{job_id}',
        'href-vars': { project_id: 'param/project_id', job_id: 'param/job_id' },
        hints: { allow: ['GET', 'PATCH', 'POST', 'DELETE'], formats: JSON_FORMAT },
      },
    },
  };
}
