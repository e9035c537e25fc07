// SPDX-License-Identifier: Apache-2.0
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FreezerActionDto } from '../../actions/dto/action.dto.js';

export class JobScheduleDto {
  @ApiPropertyOptional({ enum: ['', 'stop', 'start', 'abort', 'remove'] })
  event?: string;

  @ApiPropertyOptional({ enum: ['', 'completed', 'stop', 'scheduled', 'running', 'aborting', 'removed'] })
  status?: string;

  @ApiPropertyOptional({ enum: ['', 'success', 'fail', 'aborted'] })
  result?: string;

  @ApiPropertyOptional({ example: 1700000000, description: 'Set by the server on create' })
  time_created?: number;

  @ApiPropertyOptional({ example: -1 })
  time_started?: number;

  @ApiPropertyOptional({ example: -1 })
  time_ended?: number;

  @ApiPropertyOptional({ example: 1234 })
  current_pid?: number;

  @ApiPropertyOptional({ example: '2 hours', description: 'continuous, or "<n> weeks|days|hours|minutes|seconds"' })
  schedule_interval?: string;

  @ApiPropertyOptional({ example: '2026-12-01T03:00:00' })
  schedule_start_date?: string;

  @ApiPropertyOptional({ example: '2027-12-01T03:00:00' })
  schedule_end_date?: string;

  @ApiPropertyOptional({ example: '2026-12-01T03:00:00' })
  schedule_date?: string;
}

export class JobActionDto {
  @ApiProperty({ type: FreezerActionDto, additionalProperties: true })
  freezer_action!: FreezerActionDto;

  @ApiPropertyOptional({ description: 'Reused when it names an equal action; otherwise a new action is made' })
  action_id?: string;

  @ApiPropertyOptional({ example: 5 })
  max_retries?: number;

  @ApiPropertyOptional({ example: 6 })
  max_retries_interval?: number;

  @ApiPropertyOptional({ example: false })
  mandatory?: boolean;
}

export class JobBodyDto {
  @ApiProperty({ example: 'a8f6c2e1_node1.example.com', description: '[<project>_]<fqdn> of the client that runs it' })
  client_id!: string;

  @ApiPropertyOptional({ example: 'nightly /etc backup' })
  description?: string;

  @ApiProperty({ type: JobScheduleDto, description: 'Only the listed keys are allowed' })
  job_schedule!: JobScheduleDto;

  @ApiProperty({ type: [JobActionDto] })
  job_actions!: JobActionDto[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'freezer_action defaults for every action; not stored' })
  action_defaults?: Record<string, unknown>;

  @ApiPropertyOptional({ example: '' })
  session_id?: string;

  @ApiPropertyOptional({ example: 0 })
  session_tag?: number;
}

export class JobDocumentDto extends JobBodyDto {
  @ApiProperty({ example: '0b4c3e9f8a7d4c2b9e1f0a3d5c7b9e1f' })
  job_id!: string;

  @ApiProperty()
  user_id!: string;

  @ApiProperty({ type: String, nullable: true })
  project_id!: string | null;
}

export class JobListDto {
  @ApiProperty({ type: [JobDocumentDto] })
  jobs!: JobDocumentDto[];
}

export class JobCreatedDto {
  @ApiProperty({ example: '0b4c3e9f8a7d4c2b9e1f0a3d5c7b9e1f' })
  job_id!: string;
}

export class JobWrittenDto extends JobCreatedDto {
  @ApiProperty({ example: 2, description: 'The new version of the document, which the ETag of a GET shows' })
  version!: number;
}

// One key (start, stop, abort or remove) whose value is ignored: {"start": null}.
export class JobEventDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, example: null })
  start?: null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  stop?: null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  abort?: null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  remove?: null;
}

export class JobEventResultDto {
  @ApiProperty({ example: 'success', description: 'success, or "<event> already requested"' })
  result!: string;
}
