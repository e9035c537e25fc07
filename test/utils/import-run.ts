// SPDX-License-Identifier: Apache-2.0
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../dist/src/import/cli.js');

export interface ImportRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Reconciliation = Record<string, Record<'read' | 'imported' | 'unchanged' | 'updated' | 'deleted' | 'refused' | 'conflicts', number>>;

// `npm run import -- ...` as an operator runs it (the compiled CLI), with exactly `env` on top of
// PATH and HOME.
export function startImport(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<ImportRun> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<ImportRun>((resolveRun) => child.on('close', (code) => resolveRun({ code, stdout, stderr })));
  return { child, done };
}

export function runImport(args: string[], env: Record<string, string>): Promise<ImportRun> {
  return startImport(args, env).done;
}

// The table the command prints: one line per kind, and the total.
export function parseReconciliation(stdout: string): Reconciliation {
  const result: Reconciliation = {};
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length !== 8 || !/^\d+$/.test(cells[1]!)) continue;
    const [kind, read, imported, unchanged, updated, deleted, refused, conflicts] = cells;
    result[kind!] = {
      read: Number(read),
      imported: Number(imported),
      unchanged: Number(unchanged),
      updated: Number(updated),
      deleted: Number(deleted),
      refused: Number(refused),
      conflicts: Number(conflicts),
    };
  }
  return result;
}
