// SPDX-License-Identifier: Apache-2.0
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class StatusSettingsDto {
  @ApiProperty({ example: 600, description: 'CLIENT_STALE_AFTER_S' })
  client_stale_after_s!: number;

  @ApiProperty({ example: 3600, description: 'JOB_OVERDUE_GRACE_S' })
  job_overdue_grace_s!: number;

  @ApiProperty({ example: 172800, description: 'BACKUP_MAX_AGE_S' })
  backup_max_age_s!: number;
}

export class ClientCountsDto {
  @ApiProperty({ example: 12 }) total!: number;
  @ApiProperty({ example: 11, description: 'seen within CLIENT_STALE_AFTER_S' }) active!: number;
  @ApiProperty({ example: 1 }) stale!: number;
}

export class JobCountsDto {
  @ApiProperty({ example: 40 }) total!: number;

  @ApiProperty({ example: { scheduled: 35, running: 2, stop: 1, completed: 2 }, additionalProperties: { type: 'integer' }, description: 'by job_schedule.status ("" for none)' })
  by_status!: Record<string, number>;

  @ApiProperty({ example: { success: 36, fail: 3, '': 1 }, additionalProperties: { type: 'integer' }, description: 'by job_schedule.result ("" for none)' })
  by_result!: Record<string, number>;

  @ApiProperty({ example: 1, description: 'should have started more than JOB_OVERDUE_GRACE_S ago and has not' }) overdue!: number;
  @ApiProperty({ example: 3, description: 'last result fail or aborted' }) failing!: number;
  @ApiProperty({ example: 0, description: 'a schedule freezer-scheduler cannot read: the job never runs' }) unschedulable!: number;
}

export class BackupCountsDto {
  @ApiProperty({ example: 80, description: '(hostname, backup_name) pairs' }) total!: number;
  @ApiProperty({ example: 79 }) fresh!: number;
  @ApiProperty({ example: 1 }) old!: number;
  @ApiProperty({ type: Number, nullable: true, example: 190000.5, description: 'age in seconds of the oldest newest backup' }) oldest_age_s!: number | null;
}

export class StaleClientDto {
  @ApiProperty({ example: 'a8f6c2e1_node7.example.com' }) client_id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'a8f6c2e1' }) project_id!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'node7.example.com' }) hostname!: string | null;
  @ApiProperty({ example: 1764890000.25, description: 'last poll or registration, epoch seconds' }) last_seen!: number;
}

export class ProblemJobDto {
  @ApiProperty({ example: '5e1fd2b7a8e4469b8a3c1d2e3f405162' }) job_id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'a8f6c2e1' }) project_id!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'a8f6c2e1_node1.example.com' }) client_id!: string | null;
  @ApiProperty({ example: 'scheduled' }) status!: string;
  @ApiProperty({ example: '' }) event!: string;
  @ApiProperty({ example: 'fail' }) result!: string;
  @ApiProperty({ type: Number, nullable: true, example: 1764889200, description: 'when the schedule calls for the next start, epoch seconds' }) next_run!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 1764802800, description: 'the last run: job_schedule.time_started' }) time_started!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 1764803400 }) time_ended!: number | null;
  @ApiPropertyOptional({ example: 'Invalid weekday name "funday"', description: 'unschedulable_jobs only' }) schedule_error?: string;
}

export class OldBackupDto {
  @ApiProperty({ example: 'node1.example.com' }) hostname!: string;
  @ApiProperty({ example: 'etc' }) backup_name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'a8f6c2e1' }) project_id!: string | null;
  @ApiProperty({ example: '0c7f6e9d8b1a4c2e9f3d5b7a6c8e0f12', description: 'the newest backup of the pair' }) backup_id!: string;
  @ApiProperty({ example: 1764700000 }) time_stamp!: number;
  @ApiProperty({ example: 0, nullable: true, description: 'backup_metadata.level as stored' }) level!: unknown;
  @ApiProperty({ example: 190000.5 }) age_s!: number;
  @ApiProperty({ example: 172800, description: 'twice the interval of the job writing it, or BACKUP_MAX_AGE_S' }) max_age_s!: number;
}

export class StatusReportDto {
  @ApiProperty({ type: String, nullable: true, example: 'a8f6c2e1', description: 'null on v1 (every project of the caller)' }) project_id!: string | null;
  @ApiProperty({ example: 1764890600, description: 'the moment of the report (database clock), epoch seconds' }) time!: number;
  @ApiProperty() settings!: StatusSettingsDto;
  @ApiProperty() clients!: ClientCountsDto;
  @ApiProperty() jobs!: JobCountsDto;
  @ApiProperty() backups!: BackupCountsDto;
  @ApiPropertyOptional({ type: [StaleClientDto], description: 'most recently seen first' }) stale_clients?: StaleClientDto[];
  @ApiPropertyOptional({ type: [ProblemJobDto], description: 'latest next run first' }) overdue_jobs?: ProblemJobDto[];
  @ApiPropertyOptional({ type: [ProblemJobDto], description: 'latest run first' }) failing_jobs?: ProblemJobDto[];
  @ApiPropertyOptional({ type: [ProblemJobDto], description: 'latest run first' }) unschedulable_jobs?: ProblemJobDto[];
  @ApiPropertyOptional({ type: [OldBackupDto], description: 'newest first' }) old_backups?: OldBackupDto[];
}
