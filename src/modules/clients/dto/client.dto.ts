// SPDX-License-Identifier: Apache-2.0
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ClientInfoDto {
  @ApiProperty({ example: 'a8f6c2e1_node1.example.com', description: '[<project>_]<fqdn>' })
  client_id!: string;

  @ApiPropertyOptional({ example: 'node1.example.com' })
  hostname?: string;

  @ApiPropertyOptional({ example: 'database node' })
  description?: string;

  @ApiPropertyOptional({ example: '9a1b2c3d4e5f60718293a4b5c6d7e8f9', description: 'Generated when absent; never changes' })
  uuid?: string;

  @ApiPropertyOptional({ type: [String], example: ['backup', 'restore', 'info', 'admin', 'exec'], description: 'Actions the node can run' })
  supported_actions?: string[];

  @ApiPropertyOptional({ type: [String], example: ['fs', 'mysql', 'cinder'], description: 'Modes the node can run' })
  supported_modes?: string[];

  @ApiPropertyOptional({ type: [String], example: ['local', 'swift', 's3'], description: 'Storages the node can write to' })
  supported_storages?: string[];

  @ApiPropertyOptional({ type: [String], example: ['tar', 'rsync'], description: 'Engines the node can run' })
  supported_engines?: string[];

  @ApiPropertyOptional({ example: false, description: 'A central scheduler (needs the rule clients:create_central when true)' })
  is_central?: boolean;
}

export class ClientDocumentDto {
  @ApiProperty({ type: ClientInfoDto, additionalProperties: true, description: 'The registered document; extra keys are kept' })
  client!: ClientInfoDto;

  @ApiProperty()
  user_id!: string;

  @ApiProperty({ type: String, nullable: true })
  project_id!: string | null;
}

export class ClientListDto {
  @ApiProperty({ type: [ClientDocumentDto] })
  clients!: ClientDocumentDto[];
}

export class ClientCreatedDto {
  @ApiProperty({ example: 'a8f6c2e1_node1.example.com' })
  client_id!: string;
}
