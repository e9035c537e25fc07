// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { MysqlLocation } from './mysql-source.js';

export type SourceLocation = { kind: 'mysql'; mysql: MysqlLocation } | { kind: 'sqlite'; path: string };

export class SourceLocationError extends Error {}

// `--from`: a mysql:// or mariadb:// URL, an SQLAlchemy URL as freezer-api.conf writes it
// (mysql+pymysql://user:pass@host/freezer?charset=utf8, sqlite:///path), or a SQLite file's path.
export function parseSourceLocation(from: string, baseDir = process.cwd()): SourceLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(from)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'sqlite', path: resolve(baseDir, from) };
  const dialect = scheme.split('+')[0];
  if (dialect === 'sqlite') {
    // sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy reads them
    const path = decodeURIComponent(from.slice(from.indexOf('://') + 3).replace(/^\//, '').replace(/\?.*$/, ''));
    if (path === '' || path === ':memory:') throw new SourceLocationError('An in-memory SQLite database has nothing to import');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(baseDir, path) };
  }
  if (dialect === 'mysql' || dialect === 'mariadb') return { kind: 'mysql', mysql: mysqlLocation(from) };
  if (dialect === 'postgresql' || dialect === 'postgres') {
    throw new SourceLocationError(
      'freezer-api cannot create its schema on PostgreSQL, so a PostgreSQL source is not supported; ' +
        'give the MySQL/MariaDB URL or the SQLite file of the original',
    );
  }
  throw new SourceLocationError(`Unsupported source "${scheme}://": use mysql://, mariadb://, mysql+pymysql://, sqlite:/// or a file path`);
}

function mysqlLocation(from: string): MysqlLocation {
  // URL parses any scheme's authority the same way once the scheme is a plain one
  let url: URL;
  try {
    url = new URL(from.replace(/^[^:]+:/, 'mysql:'));
  } catch {
    throw new SourceLocationError('The source URL is not a valid URL');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') throw new SourceLocationError('The source URL names no database (mysql://user@host/freezer)');
  const socketPath = url.searchParams.get('unix_socket') ?? undefined;
  return {
    host: url.hostname || 'localhost',
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
    socketPath,
  };
}

// `--config /etc/freezer/freezer-api.conf`: the `connection` of its [database] section (oslo.config
// INI: `key = value`, `#` and `;` comments, continuation lines indented).
export function connectionFromConfig(path: string): string {
  const text = readFileSync(path, 'utf8');
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim().toLowerCase();
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (section === 'database' && pair && pair[1]!.toLowerCase() === 'connection' && pair[2] !== '') return pair[2]!;
  }
  throw new SourceLocationError(`${path} has no [database] connection`);
}
