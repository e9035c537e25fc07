// SPDX-License-Identifier: Apache-2.0
import type { LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogLevel } from './env.validation.js';

const ORDER: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

// Nest takes the list of enabled levels; LOG_LEVEL names the most verbose one.
export function enabledLogLevels(level: LogLevel): NestLogLevel[] {
  return ORDER.slice(0, ORDER.indexOf(level) + 1);
}
