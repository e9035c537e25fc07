// SPDX-License-Identifier: Apache-2.0
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { isEmbeddedDatabase } from './test-database.js';

// The compiled service exactly as operators start it (`node dist/src/main.js`); `npm test` builds it.
const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY_POINT = resolve(ROOT, 'dist/src/main.js');
const LISTENING = /Freezer API listening on (http:\/\/\S+)/;

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  // stdout and stderr so far, interleaved as they arrived
  output(): string;
  // the same, one line per message as an operator reads it: a JSON log line's message (then its
  // stack, if any), any other line as it is
  messages(): string;
  // resolves with the URL the service logged, rejects if it exits first or the time runs out
  listening(timeoutMs: number): Promise<string>;
  // resolves with the exit code (null when killed by a signal), rejects when the time runs out
  exited(timeoutMs: number): Promise<number | null>;
  // SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves with the exit code
  stop(graceMs?: number): Promise<number | null>;
}

const running = new Set<ServiceProcess>();

function messageOf(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const parsed = JSON.parse(line) as { message?: unknown; stack?: unknown };
    if (typeof parsed.message !== 'string') return line;
    return typeof parsed.stack === 'string' ? `${parsed.message}\n${parsed.stack}` : parsed.message;
  } catch {
    return line;
  }
}

// A port nothing listens on right now: bind port 0, read the port the system chose, release it.
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

// Starts the service with exactly `env` on top of a minimal environment (no DATABASE_URL or other
// setting leaks in from the test runner). A value of undefined leaves that setting out.
export function startService(env: Record<string, string | undefined>): ServiceProcess {
  if (!existsSync(ENTRY_POINT)) throw new Error(`${ENTRY_POINT} is missing: run \`npm run build\` first`);
  const childEnv: Record<string, string> = { NO_COLOR: '1', LOG_LEVEL: 'log' };
  // an embedded database serving the run shares one backend between connections (see serve.ts)
  if (isEmbeddedDatabase()) childEnv.DB_PREPARED_STATEMENTS = 'false';
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) childEnv[name] = value;
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }
  const child = spawn(process.execPath, [ENTRY_POINT], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolveExit) => {
    // 'close' comes after the output streams have ended, so output() is complete by then
    child.on('close', (code) => {
      exitCode = code;
      running.delete(service);
      resolveExit(code);
    });
  });

  function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms; output so far:\n${text}`)), timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  const service: ServiceProcess = {
    child,
    pid: child.pid ?? 0,
    output: () => text,
    messages: () => text.split('\n').map(messageOf).join('\n'),
    listening(timeoutMs) {
      const found = new Promise<string>((resolveUrl, reject) => {
        const check = () => {
          const match = LISTENING.exec(text);
          if (match) {
            resolveUrl(match[1]);
            return true;
          }
          return false;
        };
        if (check()) return;
        const onData = () => {
          if (check()) {
            child.stdout?.off('data', onData);
            child.stderr?.off('data', onData);
          }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        void exit.then((code) => {
          if (!check()) reject(new Error(`the service exited with ${code} before listening:\n${text}`));
        });
      });
      return within(found, timeoutMs, 'the service did not start listening');
    },
    exited(timeoutMs) {
      return within(exit, timeoutMs, 'the service did not exit');
    },
    async stop(graceMs = 15_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      try {
        return await service.exited(graceMs);
      } catch {
        child.kill('SIGKILL');
        return exit;
      }
    },
  };
  running.add(service);
  return service;
}

// For afterAll: whatever a failed test left running is stopped (SIGKILL after a grace period).
export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((service) => service.stop(5_000)));
}
