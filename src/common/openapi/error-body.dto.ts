// SPDX-License-Identifier: Apache-2.0
import { ApiProperty } from '@nestjs/swagger';

// The one error shape (D3), the body python-freezerclient parses.
export class ErrorBodyDto {
  @ApiProperty({ example: 'Not Found' })
  title!: string;

  @ApiProperty({ example: 'No backup found with ID 0b4c3e9f...' })
  description!: string;
}
