// SPDX-License-Identifier: Apache-2.0
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BACKUP_STATUSES } from '../backup-document.js';

export class BackupMetadataDto {
  @ApiPropertyOptional({ enum: BACKUP_STATUSES, example: 'available', description: 'The state of the backup (default available); not kept in the metadata' })
  status?: string;

  @ApiProperty({ example: 'freezer_backups', description: 'Required, not ""' })
  container!: string;

  @ApiProperty({ example: 'node1.example.com', description: 'Required, not ""' })
  hostname!: string;

  @ApiProperty({ example: 'etc-daily', description: 'Required, not ""' })
  backup_name!: string;

  @ApiPropertyOptional({ example: 1700000000, description: 'Epoch seconds; what time_after/time_before compare' })
  time_stamp?: number;

  @ApiPropertyOptional({ example: 0 })
  level?: number;

  @ApiPropertyOptional({ example: 'backup' })
  action?: string;

  @ApiPropertyOptional({ example: 'fs' })
  mode?: string;

  @ApiPropertyOptional({ example: '/etc' })
  path_to_backup?: string;

  @ApiPropertyOptional({ example: 'swift' })
  storage?: string;
}

export class BackupDocumentDto {
  @ApiProperty({ example: '6d0e1f3c2a9b4d5e8f7a6b5c4d3e2f1a' })
  backup_id!: string;

  @ApiProperty({ example: 'f3a9...' })
  user_id!: string;

  @ApiProperty({ type: String, nullable: true })
  user_name!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The path project (v2); the caller\'s project or null (v1)' })
  project_id!: string | null;

  @ApiProperty({ enum: BACKUP_STATUSES, example: 'available', description: 'The state of the backup; available unless set otherwise' })
  status!: string;

  @ApiProperty({
    type: BackupMetadataDto,
    description: 'The metadata exactly as posted (any further keys are kept)',
    additionalProperties: true,
  })
  backup_metadata!: BackupMetadataDto;
}

export class BackupPatchDto {
  @ApiPropertyOptional({ enum: BACKUP_STATUSES, example: 'deleting' })
  status?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { verified: true },
    description: 'Keys to set in the metadata; each replaces the stored key of that name whole',
  })
  backup_metadata?: Record<string, unknown>;
}

export class BackupListDto {
  @ApiProperty({ type: [BackupDocumentDto] })
  backups!: BackupDocumentDto[];
}

export class BackupCreatedDto {
  @ApiProperty({ example: '6d0e1f3c2a9b4d5e8f7a6b5c4d3e2f1a' })
  backup_id!: string;
}
