// SPDX-License-Identifier: Apache-2.0
// The ordered list of migrations (explicit, never a glob: the compiled output must not depend on
// what else sits in the folder). Add each new migration file here.
import { SearchFunctions1764428400000 } from '../../migrations/1764428400000-SearchFunctions.js';
import { BackupsAndClients1764428500000 } from '../../migrations/1764428500000-BackupsAndClients.js';
import { ActionsAndJobs1764432000000 } from '../../migrations/1764432000000-ActionsAndJobs.js';
import { Sessions1764435600000 } from '../../migrations/1764435600000-Sessions.js';
import { CheaperSearchFunctions1764507600000 } from '../../migrations/1764507600000-CheaperSearchFunctions.js';
import { BackupTextWords1764600000000 } from '../../migrations/1764600000000-BackupTextWords.js';
import { SearchFunctionsPlannedOnce1764603600000 } from '../../migrations/1764603600000-SearchFunctionsPlannedOnce.js';
import { BackupStatus1764700000000 } from '../../migrations/1764700000000-BackupStatus.js';
import { JobsById1764703600000 } from '../../migrations/1764703600000-JobsById.js';
import { CheaperTextWords1764790000000 } from '../../migrations/1764790000000-CheaperTextWords.js';
import { ProtectionStatus1764793600000 } from '../../migrations/1764793600000-ProtectionStatus.js';
import { ImportState1764800000000 } from '../../migrations/1764800000000-ImportState.js';
import { BackupWriters1764900000000 } from '../../migrations/1764900000000-BackupWriters.js';
import { JobsPromotedByWriter1765000000000 } from '../../migrations/1765000000000-JobsPromotedByWriter.js';
import { JobRunState1765100000000 } from '../../migrations/1765100000000-JobRunState.js';

export const MIGRATIONS = [
  SearchFunctions1764428400000,
  BackupsAndClients1764428500000,
  ActionsAndJobs1764432000000,
  Sessions1764435600000,
  CheaperSearchFunctions1764507600000,
  BackupTextWords1764600000000,
  SearchFunctionsPlannedOnce1764603600000,
  BackupStatus1764700000000,
  JobsById1764703600000,
  CheaperTextWords1764790000000,
  ProtectionStatus1764793600000,
  ImportState1764800000000,
  BackupWriters1764900000000,
  JobsPromotedByWriter1765000000000,
  JobRunState1765100000000,
];
