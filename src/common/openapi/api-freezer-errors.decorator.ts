// SPDX-License-Identifier: Apache-2.0
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from './error-body.dto.js';

const MEANING: Record<number, string> = {
  400: 'Bad request format, Malformed JSON or Invalid parameter',
  401: 'Unauthorized: no usable identity',
  403: 'Access Forbidden: the policy denies it, or the path names a project other than the caller\'s',
  404: 'Not Found: missing, or another owner\'s, document',
  405: 'Method Not Allowed',
  406: 'Not Acceptable: Accept excludes JSON',
  409: 'Document already existing',
  412: 'Precondition Failed: If-Match does not match the version',
  413: 'Payload Too Large: body over BODY_LIMIT',
  429: 'Too Many Requests: over RATE_LIMIT for this caller (see Retry-After)',
  503: 'Service Unavailable: the database is unreachable',
};

// Documents the error body once for every status a route may answer.
export function ApiFreezerErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: MEANING[status] ?? 'Error', type: ErrorBodyDto })),
  );
}
