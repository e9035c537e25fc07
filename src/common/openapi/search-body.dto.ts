// SPDX-License-Identifier: Apache-2.0
import { ApiPropertyOptional } from '@nestjs/swagger';

// The list search document, sent as the body of a GET (§4.3, D10).
export class SearchBodyDto {
  @ApiPropertyOptional({
    description:
      'Every {key: value} must hold. A bare key matches at the shallowest depth where it occurs, a dotted key is an exact path; ' +
      'equality is JSON-typed. `_all` is a case-insensitive substring search over string and number leaves ' +
      '(or, given a JSON list of objects as a string, a further match list).',
    example: [{ backup_name: 'etc-daily' }, { _all: 'node1' }],
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  match?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({
    description: 'No {key: value} may hold',
    example: [{ status: 'completed' }],
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  match_not?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ description: 'Backups only: backup_metadata.time_stamp >= this (epoch seconds)', example: 1700000000 })
  time_after?: number;

  @ApiPropertyOptional({ description: 'Backups only: backup_metadata.time_stamp <= this (epoch seconds)', example: 1800000000 })
  time_before?: number;
}
