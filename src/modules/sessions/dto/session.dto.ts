// SPDX-License-Identifier: Apache-2.0
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JobScheduleDto } from '../../jobs/dto/job.dto.js';

export class SessionJobEntryDto {
  @ApiProperty({ example: 'a8f6c2e1_node1.example.com' })
  client_id!: string;

  @ApiProperty({ example: 'running' })
  status!: string;

  @ApiProperty({ example: '' })
  result!: string;

  @ApiProperty({ example: 1700000000, description: 'Epoch seconds, or "" until known' })
  time_started!: number | string;

  @ApiProperty({ example: '' })
  time_ended!: number | string;
}

export class SessionBodyDto {
  @ApiPropertyOptional({ example: 'consistent snapshot of the database cluster' })
  description?: string;

  @ApiProperty({ type: JobScheduleDto, description: 'Its schedule_* keys are merged into every member job' })
  schedule!: JobScheduleDto;

  @ApiPropertyOptional({ example: 30, default: 30, description: 'Seconds during which late starters join the current run' })
  hold_off?: number;

  @ApiPropertyOptional({
    type: 'integer',
    example: 0,
    default: 0,
    description: 'The tag of a new session (default 0; a replace requires it). A replace of an existing session keeps the tag it has',
  })
  session_tag?: number;
}

export class SessionDocumentDto extends SessionBodyDto {
  @ApiProperty({ example: '5c3e9f8a7d4c2b9e1f0a3d5c7b9e1f0b' })
  session_id!: string;

  @ApiProperty()
  user_id!: string;

  @ApiProperty({ type: String, nullable: true })
  project_id!: string | null;

  @ApiProperty({ example: 0, description: 'Set on create (default 0); then raised by each start that begins a run' })
  declare session_tag: number;

  @ApiProperty({ example: 'active', description: 'active, running or completed' })
  status!: string;

  @ApiProperty({ example: '', description: '"", success or fail' })
  result!: string;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/SessionJobEntryDto' }, description: 'Members by job id' })
  jobs!: Record<string, SessionJobEntryDto>;

  @ApiProperty({ example: -1 })
  time_start!: number;

  @ApiProperty({ example: -1 })
  time_end!: number;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDocumentDto] })
  sessions!: SessionDocumentDto[];
}

export class SessionCreatedDto {
  @ApiProperty({ example: '5c3e9f8a7d4c2b9e1f0a3d5c7b9e1f0b' })
  session_id!: string;
}

export class SessionWrittenDto extends SessionCreatedDto {
  @ApiProperty({ example: 2, description: 'The new version of the document, which the ETag of a GET shows' })
  version!: number;
}

class StartParamsDto {
  @ApiProperty()
  job_id!: string;

  @ApiProperty({ example: 0, description: 'The job\'s session_tag (an integer, or its string form)' })
  current_tag!: number;
}

class EndParamsDto {
  @ApiProperty()
  job_id!: string;

  @ApiProperty({ example: 'success' })
  result!: string;

  @ApiPropertyOptional({ example: 1, description: 'Not used by end' })
  current_tag?: number;
}

export class SessionActionDto {
  @ApiPropertyOptional({ type: StartParamsDto })
  start?: StartParamsDto;

  @ApiPropertyOptional({ type: EndParamsDto })
  end?: EndParamsDto;
}

export class SessionActionResultDto {
  @ApiProperty({ example: 'success', description: 'start: success, hold-off or out-of-sync; end: success' })
  result!: string;

  @ApiProperty({ example: 1 })
  session_tag!: number;
}
