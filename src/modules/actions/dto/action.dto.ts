// SPDX-License-Identifier: Apache-2.0
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FreezerActionDto {
  @ApiPropertyOptional({ example: 'backup', description: 'backup, restore, info, admin, exec' })
  action?: string;

  @ApiPropertyOptional({ example: 'fs', description: 'fs, mysql, mongo, sqlserver, cinder, cindernative, nova, glance' })
  mode?: string;

  @ApiPropertyOptional({ example: 'etc-daily' })
  backup_name?: string;

  @ApiPropertyOptional({ example: '/etc' })
  path_to_backup?: string;

  @ApiPropertyOptional({ example: 'freezer_backups' })
  container?: string;

  @ApiPropertyOptional({ example: 'swift' })
  storage?: string;

  @ApiPropertyOptional({ example: '/tmp/restore' })
  restore_abs_path?: string;
}

export class ActionBodyDto {
  @ApiPropertyOptional({ example: 'e1c7a9d2b4f64c3e8a0b1c2d3e4f5a6b', description: 'Kept on create when given; ^[\\w-]+$' })
  action_id?: string;

  @ApiProperty({ type: FreezerActionDto, additionalProperties: true, description: 'freezer-agent options (free-form)' })
  freezer_action!: FreezerActionDto;

  @ApiPropertyOptional({ example: 5, default: 5 })
  max_retries?: number;

  @ApiPropertyOptional({ example: 6, default: 6 })
  max_retries_interval?: number;

  @ApiPropertyOptional({ example: false, default: false })
  mandatory?: boolean;
}

export class ActionDocumentDto extends ActionBodyDto {
  @ApiProperty()
  declare action_id: string;

  @ApiProperty()
  user_id!: string;

  @ApiProperty({ type: String, nullable: true })
  project_id!: string | null;
}

export class ActionListDto {
  @ApiProperty({ type: [ActionDocumentDto] })
  actions!: ActionDocumentDto[];
}

export class ActionCreatedDto {
  @ApiProperty({ example: 'e1c7a9d2b4f64c3e8a0b1c2d3e4f5a6b' })
  action_id!: string;
}

export class ActionWrittenDto extends ActionCreatedDto {
  @ApiProperty({ example: 2, description: 'The new version of the document, which the ETag of a GET shows' })
  version!: number;
}
