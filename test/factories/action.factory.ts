// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';

export type ActionBody = Record<string, unknown>;

// The agent options of a backup of /etc to swift, as the CLI's action-create --file and the web UI
// post them; `freezerAction` keys replace or add to the defaults.
export function buildFreezerAction(freezerAction: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action: 'backup',
    mode: 'fs',
    backup_name: `etc-${randomUUID().slice(0, 8)}`,
    container: 'freezer_backups',
    path_to_backup: '/etc',
    storage: 'swift',
    max_level: 5,
    ...freezerAction,
  };
}

// A wire-format action body (POST .../actions): freezer_action plus the retry settings.
export function buildActionDoc(overrides: ActionBody = {}): ActionBody {
  return {
    freezer_action: buildFreezerAction(),
    max_retries: 3,
    max_retries_interval: 30,
    ...overrides,
  };
}
