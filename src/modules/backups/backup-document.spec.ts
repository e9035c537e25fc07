// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import type { Owner } from '../../common/auth/request-context.js';
import { BadDataFormatError } from '../../common/errors/freezer-errors.js';
import { type BackupDocument, buildBackupDocument, parseBackupPatch, patchedBackup } from './backup-document.js';

const owner: Owner = { api: 'v2', ownerId: 'u1', projectFilter: 'p1', projectId: 'p1', userId: 'u1', userName: null };
const metadata = { container: 'c', hostname: 'h', backup_name: 'b', vendor: { a: 1 } };

describe('buildBackupDocument', () => {
  it('defaults the status to available and keeps a top-level status out of the metadata', () => {
    expect(buildBackupDocument(owner, metadata)).toMatchObject({ status: 'available', backup_metadata: metadata });
    const doc = buildBackupDocument(owner, { ...metadata, status: 'creating' });
    expect(doc).toMatchObject({ status: 'creating', backup_metadata: metadata });
  });

  it('refuses an unknown status and a missing required key', () => {
    expect(() => buildBackupDocument(owner, { ...metadata, status: 'restoring' })).toThrow(BadDataFormatError);
    expect(() => buildBackupDocument(owner, { container: 'c', hostname: 'h', status: 'error' })).toThrow("The backup metadata needs a non-empty 'backup_name'");
  });
});

describe('parseBackupPatch and patchedBackup', () => {
  const stored: BackupDocument = { backup_id: 'x', user_id: 'u1', user_name: null, project_id: 'p1', status: 'available', backup_metadata: metadata };

  it('merges metadata one level deep and sets the status; other keys are ignored', () => {
    const patch = parseBackupPatch({ status: 'error', backup_metadata: { vendor: { b: 2 }, note: 'n' }, backup_id: 'y', other: 1 });
    expect(patch).toEqual({ status: 'error', backup_metadata: { vendor: { b: 2 }, note: 'n' } });
    expect(patchedBackup(stored, patch)).toEqual({ ...stored, status: 'error', backup_metadata: { ...metadata, vendor: { b: 2 }, note: 'n' } });
  });

  it('keeps the status without one in the patch, and gives a stored backup without status the default', () => {
    expect(patchedBackup(stored, parseBackupPatch({ backup_metadata: {} })).status).toBe('available');
    const { status: _status, ...withoutStatus } = stored;
    expect(patchedBackup(withoutStatus as BackupDocument, {}).status).toBe('available');
  });

  it('refuses a patch that would leave a required key empty, or is not an object', () => {
    expect(() => patchedBackup(stored, parseBackupPatch({ backup_metadata: { hostname: '' } }))).toThrow(BadDataFormatError);
    expect(() => parseBackupPatch([])).toThrow('The patch must be a JSON object');
    expect(() => parseBackupPatch({})).toThrow('Missing request body');
  });
});
