// SPDX-License-Identifier: Apache-2.0
// Every TypeORM entity, listed explicitly (the registry the data source and the drift check read).
import { ActionEntity } from '../modules/actions/action.entity.js';
import { BackupEntity } from '../modules/backups/backup.entity.js';
import { ClientEntity } from '../modules/clients/client.entity.js';
import { JobEntity } from '../modules/jobs/job.entity.js';
import { SessionEntity } from '../modules/sessions/session.entity.js';

export const ENTITIES = [BackupEntity, ClientEntity, ActionEntity, JobEntity, SessionEntity];
