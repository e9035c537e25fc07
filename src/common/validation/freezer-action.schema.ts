// SPDX-License-Identifier: Apache-2.0
import type { JsonSchema } from './json-schema.js';
import { ID_PATTERN } from './patterns.js';

// The agent options of an action (free-form). freezer checks a few of them at the wrong level
// (§14 #25); here they are checked where they live. null passes: freezer's own GET filled these
// keys with null, so documents copied from it come back that way, and the 2026 dashboard sets
// every missing one of action, mode, backup_name (and storage, engine) to null before posting.
export const FREEZER_ACTION_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    action: { type: ['string', 'null'], pattern: ID_PATTERN },
    mode: { type: ['string', 'null'], pattern: ID_PATTERN },
    backup_name: { type: ['string', 'null'] },
    restore_abs_path: { type: ['string', 'null'] },
    path_to_backup: { type: ['string', 'null'] },
    container: { type: ['string', 'null'] },
    // added in 2026: whether a cindernative rotation considers only the backups Freezer made
    cindernative_freezer_only: { type: ['boolean', 'null'] },
  },
};

// The retry settings an action and a job's embedded action share (§7.1, §8.2.3).
export const ACTION_SETTINGS_PROPERTIES: Record<string, JsonSchema> = {
  max_retries: { type: 'integer' },
  max_retries_interval: { type: 'integer' },
  mandatory: { type: 'boolean' },
};

// A project id may be null in documents written through v1 (§14 #3).
export const OPTIONAL_PROJECT_ID: JsonSchema = { type: ['string', 'null'], pattern: ID_PATTERN };
