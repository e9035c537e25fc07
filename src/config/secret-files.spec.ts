// SPDX-License-Identifier: Apache-2.0
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { validateEnv } from './env.validation.js';
import { withSecretFiles } from './secret-files.js';

const dir = mkdtempSync(join(tmpdir(), 'freezer-secret-files-'));
let files = 0;
function secretFile(content: string | Buffer): string {
  const path = join(dir, `secret-${++files}`);
  writeFileSync(path, content);
  return path;
}

const KEYSTONE = {
  AUTH_MODE: 'keystone',
  KEYSTONE_URL: 'http://keystone:5000/v3',
  KEYSTONE_USERNAME: 'freezer',
  KEYSTONE_PROJECT_NAME: 'service',
};

describe('secret settings from files (<NAME>_FILE)', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads DATABASE_URL and KEYSTONE_PASSWORD from their files, less the trailing line break', () => {
    const config = validateEnv({
      ...KEYSTONE,
      DATABASE_URL_FILE: secretFile('postgres://freezer:s3cret@db:5432/freezer\n'),
      KEYSTONE_PASSWORD_FILE: secretFile('  pass word \r\n'),
    });
    expect(config.databaseUrl).toBe('postgres://freezer:s3cret@db:5432/freezer');
    // spaces may be part of a password: only the line break goes
    expect(config.keystone?.password).toBe('  pass word ');
  });

  it('keeps a file without a line break as it is, and leaves other settings and the input alone', () => {
    const env = { PORT: '1234', KEYSTONE_PASSWORD_FILE: secretFile('pw') };
    expect(withSecretFiles(env)).toEqual({ PORT: '1234', KEYSTONE_PASSWORD: 'pw' });
    expect(env).toEqual({ PORT: '1234', KEYSTONE_PASSWORD_FILE: env.KEYSTONE_PASSWORD_FILE });
    const plain = { DATABASE_URL: 'postgres://db/x' };
    expect(withSecretFiles(plain)).toBe(plain);
  });

  it('treats an empty variable beside its file as unset (compose writes NAME: ${NAME:-})', () => {
    expect(validateEnv({ ...KEYSTONE, KEYSTONE_PASSWORD: '', KEYSTONE_PASSWORD_FILE: secretFile('pw\n') }).keystone?.password).toBe('pw');
    expect(validateEnv({ DATABASE_URL: 'postgres://db/x', DATABASE_URL_FILE: ' ' }).databaseUrl).toBe('postgres://db/x');
  });

  it.each([
    ['DATABASE_URL', 'postgres://db/x'],
    ['KEYSTONE_PASSWORD', 'pw'],
  ])('refuses %s given both ways, naming the two', (name, value) => {
    expect(() => validateEnv({ ...KEYSTONE, KEYSTONE_PASSWORD: 'pw', [name]: value, [`${name}_FILE`]: secretFile(value) })).toThrow(
      `Invalid configuration: ${name} and ${name}_FILE are both set; give the value one way only`,
    );
  });

  it('refuses a missing file, naming the setting and the path', () => {
    const path = join(dir, 'absent');
    expect(() => validateEnv({ DATABASE_URL_FILE: path })).toThrow(
      `Invalid configuration: DATABASE_URL_FILE names a file that cannot be read: ${path} (no such file)`,
    );
  });

  it.each([
    ['empty', ''],
    ['only a line break', '\n'],
    ['only blanks', '  \r\n\n'],
  ])('refuses a file that is %s', (_what, content) => {
    const path = secretFile(content);
    expect(() => validateEnv({ ...KEYSTONE, KEYSTONE_PASSWORD_FILE: path })).toThrow(
      `Invalid configuration: KEYSTONE_PASSWORD_FILE names an empty file: ${path}`,
    );
  });

  it('refuses a directory, a FIFO (without blocking on it) and a file too large to be a secret', () => {
    expect(() => validateEnv({ DATABASE_URL_FILE: dir })).toThrow(`Invalid configuration: DATABASE_URL_FILE must name a regular file, and ${dir} is not one`);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => validateEnv({ DATABASE_URL_FILE: fifo })).toThrow(`Invalid configuration: DATABASE_URL_FILE must name a regular file, and ${fifo} is not one`);
    const big = secretFile(Buffer.alloc(64 * 1024 + 1, 'a'));
    expect(() => validateEnv({ DATABASE_URL_FILE: big })).toThrow(
      `Invalid configuration: DATABASE_URL_FILE names a file of 65537 bytes (${big}); a secret file holds at most 65536`,
    );
  });

  it('checks a value read from a file like one from the environment', () => {
    expect(() => validateEnv({ DATABASE_URL_FILE: secretFile('mysql://db/x\n') })).toThrow('Invalid configuration: DATABASE_URL must use the postgres:// scheme');
  });
});
