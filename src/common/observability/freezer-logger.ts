// SPDX-License-Identifier: Apache-2.0
import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogFormat, LogLevel } from '../../config/env.validation.js';
import { enabledLogLevels } from '../../config/log-levels.js';

// Nest's start-up inventory (a line per module and per route, ~100 lines): debug detail, not news.
const START_UP_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

// Extra fields of a JSON line (the access log's method, path, status, duration_ms, ...).
export type LogFields = Record<string, string | number | boolean | null>;

// A message about one request: `logger.warn(aboutRequest(id, 'database unavailable'))` through
// Nest's Logger puts the request id on the line. (Explicit rather than AsyncLocalStorage, whose
// promise hooks would tax every request of Node 20 to serve the few that log.)
export interface RequestMessage {
  message: string;
  request_id: string;
}

export function aboutRequest(requestId: string, message: string): RequestMessage {
  return { message, request_id: requestId };
}

// One line per message on stdout (errors on stderr), as a container's log collector expects:
// JSON objects by default, or plain text for a terminal. A line about a request (the access line,
// a RequestMessage) carries its id, the x-openstack-request-id header the caller got back.
export class FreezerLogger implements LoggerService {
  private enabled: Set<NestLogLevel>;

  constructor(
    private readonly format: LogFormat,
    level: LogLevel,
  ) {
    this.enabled = new Set(enabledLogLevels(level));
  }

  setLogLevels(levels: NestLogLevel[]): void {
    this.enabled = new Set(levels);
  }

  isEnabled(level: NestLogLevel): boolean {
    return this.enabled.has(level);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write(START_UP_CHATTER.has(rest.at(-1) as string) ? 'debug' : 'log', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest calls error(message, stack, context); a lone extra string is a context, not a stack.
    const stack = rest.length >= 2 && typeof rest[0] === 'string' ? rest[0] : undefined;
    this.write('error', message, stack === undefined ? rest : rest.slice(1), stack);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  // A structured line (the access log): fields stay fields in JSON, and become key=value in text.
  event(level: NestLogLevel, context: string, message: string, fields: LogFields, requestId?: string): void {
    if (!this.enabled.has(level)) return;
    this.emit(level, context, message, fields, undefined, requestId);
  }

  private write(level: NestLogLevel, message: unknown, rest: unknown[], stack?: string): void {
    if (!this.enabled.has(level)) return;
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    if (isRequestMessage(message)) this.emit(level, context, message.message, undefined, stack, message.request_id);
    else this.emit(level, context, messageText(message), undefined, stack, undefined);
  }

  private emit(
    level: NestLogLevel,
    context: string | undefined,
    message: string,
    fields: LogFields | undefined,
    stack: string | undefined,
    requestId: string | undefined,
  ): void {
    const time = new Date().toISOString();
    let line: string;
    if (this.format === 'json') {
      line = JSON.stringify({ time, level, pid: process.pid, context, request_id: requestId, message, ...fields, stack });
    } else {
      const extra = fields ? ' ' + Object.entries(fields).map(([key, value]) => `${key}=${value}`).join(' ') : '';
      line = `${time} ${level.toUpperCase().padEnd(7)} [${context ?? '-'}]${requestId ? ` [${requestId}]` : ''} ${message}${extra}${stack ? `\n${stack}` : ''}`;
    }
    (level === 'error' || level === 'fatal' ? process.stderr : process.stdout).write(line + '\n');
  }
}

function isRequestMessage(message: unknown): message is RequestMessage {
  return typeof message === 'object' && message !== null && typeof (message as RequestMessage).request_id === 'string';
}

function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  try {
    return JSON.stringify(message);
  } catch {
    return String(message);
  }
}
