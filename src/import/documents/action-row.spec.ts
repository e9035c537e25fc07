// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { actionFromRow } from './action-row.js';
import { RefusedRow } from './source-document.js';

const row = {
  id: 'a1', project_id: 'p1', user_id: 'alice', action: 'backup', actionmode: null, path_to_backup: '/etc', backup_name: 'after',
  container: null, timeout: null, priority: null, max_retries_interval: null, max_retries: null, mandatory: 1, log_file: null,
  backup_metadata: '{"action": "backup", "backup_name": "after", "container": null}', created_at: '2026-12-05 06:20:03', updated_at: null, deleted: 0,
};

describe('actionFromRow', () => {
  it("lays the original's columns over the stored freezer_action without inventing null keys", () => {
    const doc = actionFromRow(row);
    expect(doc).toEqual({
      id: 'a1', userId: 'alice', projectId: 'p1', createdAt: '2026-12-05T06:20:03Z', updatedAt: null,
      doc: {
        action_id: 'a1', user_id: 'alice', project_id: 'p1',
        // path_to_backup from its column (a PATCH left it there), container null as stored
        freezer_action: { action: 'backup', backup_name: 'after', container: null, path_to_backup: '/etc' },
        max_retries: 5, max_retries_interval: 6, mandatory: true,
      },
    });
  });

  it('refuses a freezer_action that is not an object, or a mode this service refuses', () => {
    expect(() => actionFromRow({ ...row, backup_metadata: '[1]' })).toThrow(RefusedRow);
    expect(() => actionFromRow({ ...row, actionmode: 'no mode!' })).toThrow(/does not match/);
  });
});
