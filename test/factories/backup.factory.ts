// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';

export type BackupMetadataDoc = Record<string, unknown>;

// Metadata as freezer-agent posts it after a backup (sch: upload_metadata).
export function buildBackupDoc(overrides: BackupMetadataDoc = {}): BackupMetadataDoc {
  return {
    action: 'backup',
    backup_name: `etc-${randomUUID().slice(0, 8)}`,
    container: 'freezer_backups',
    hostname: 'node1.example.com',
    mode: 'fs',
    storage: 'swift',
    path_to_backup: '/etc',
    level: 0,
    curr_backup_level: 0,
    max_level: 5,
    time_stamp: 1700000000,
    fs_real_path: '/etc',
    client_os: 'linux',
    ...overrides,
  };
}
