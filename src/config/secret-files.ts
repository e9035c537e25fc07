// SPDX-License-Identifier: Apache-2.0
// Secret settings may come from files (Docker and Kubernetes secrets, systemd credentials) rather
// than the environment, where they would show in `docker inspect`, /proc/<pid>/environ and crash
// reports. As the official PostgreSQL image does: `<NAME>_FILE` names a file whose content, less
// its trailing line break, is the value of `<NAME>`.
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './config-error.js';

// Every setting that carries a credential. The database URL holds the database password.
export const SECRET_SETTINGS = ['DATABASE_URL', 'KEYSTONE_PASSWORD'] as const;

// A secret is a line or a few (a URL, a password, a key); anything larger is the wrong file.
const MAX_SECRET_BYTES = 64 * 1024;

type Env = Record<string, string | undefined>;

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

// Reads a regular file of at most MAX_SECRET_BYTES as UTF-8. Checked before it is opened: opening
// a FIFO would block the start-up, and a device could never end.
function readSecretFile(setting: string, path: string): string {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ConfigError(setting, `must name a regular file, and ${path} is not one`);
    if (stat.size > MAX_SECRET_BYTES) {
      throw new ConfigError(setting, `names a file of ${stat.size} bytes (${path}); a secret file holds at most ${MAX_SECRET_BYTES}`);
    }
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(setting, `names a file that cannot be read: ${path} (${describe(error)})`);
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return code ?? (error as Error).message;
  }
}

// The environment with every `<NAME>_FILE` of a secret setting replaced by `<NAME>` and the file's
// content. Refuses (ConfigError) a file that is missing, unreadable or empty, and a setting given
// both ways. An empty variable counts as unset, so `KEYSTONE_PASSWORD=` beside
// `KEYSTONE_PASSWORD_FILE` (as compose files write for optional settings) is not a conflict.
export function withSecretFiles(env: Env): Env {
  let resolved: Env | undefined;
  for (const name of SECRET_SETTINGS) {
    const fileSetting = `${name}_FILE`;
    const path = env[fileSetting];
    if (!isSet(path)) continue;
    if (isSet(env[name])) {
      throw new ConfigError(`${name} and ${fileSetting}`, `are both set; give the value one way only`);
    }
    // only line breaks are trimmed: spaces may be part of a password
    const value = readSecretFile(fileSetting, path.trim()).replace(/(\r?\n)+$/, '');
    if (value.trim() === '') throw new ConfigError(fileSetting, `names an empty file: ${path.trim()}`);
    resolved ??= { ...env };
    resolved[name] = value;
    delete resolved[fileSetting];
  }
  return resolved ?? env;
}
