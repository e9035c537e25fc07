// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionFromConfig, parseSourceLocation, SourceLocationError } from './source-location.js';

describe('parseSourceLocation', () => {
  it('reads the SQLAlchemy URL of freezer-api.conf', () => {
    expect(parseSourceLocation('mysql+pymysql://freezer:p%40ss@db.example:3307/freezer?charset=utf8')).toEqual({
      kind: 'mysql',
      mysql: { host: 'db.example', port: 3307, user: 'freezer', password: 'p@ss', database: 'freezer', socketPath: undefined },
    });
    expect(parseSourceLocation('mariadb://root@127.0.0.1/f')).toMatchObject({ kind: 'mysql', mysql: { port: 3306, user: 'root', password: '' } });
    expect(parseSourceLocation('mysql://u@localhost/f?unix_socket=/run/mysqld/mysqld.sock')).toMatchObject({ mysql: { socketPath: '/run/mysqld/mysqld.sock' } });
  });

  it('takes SQLite as SQLAlchemy writes it, or a plain path', () => {
    expect(parseSourceLocation('sqlite:////var/lib/freezer/freezer.db')).toEqual({ kind: 'sqlite', path: '/var/lib/freezer/freezer.db' });
    expect(parseSourceLocation('sqlite:///freezer.db', '/srv')).toEqual({ kind: 'sqlite', path: '/srv/freezer.db' });
    expect(parseSourceLocation('data/freezer.db', '/srv')).toEqual({ kind: 'sqlite', path: '/srv/data/freezer.db' });
  });

  it('refuses PostgreSQL, unknown schemes and URLs without a database', () => {
    expect(() => parseSourceLocation('postgresql+psycopg2://u@h/f')).toThrow(/cannot create its schema on PostgreSQL/);
    expect(() => parseSourceLocation('oracle://u@h/f')).toThrow(SourceLocationError);
    expect(() => parseSourceLocation('mysql://u@h/')).toThrow(/names no database/);
    expect(() => parseSourceLocation('sqlite://')).toThrow(/in-memory/);
  });
});

describe('connectionFromConfig', () => {
  it('finds [database] connection in an oslo.config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'freezer-conf-'));
    const path = join(dir, 'freezer-api.conf');
    writeFileSync(path, '[DEFAULT]\nconnection = wrong\n# a comment\n[database]\n; another\nconnection = mysql+pymysql://f:x@db/freezer?charset=utf8\n');
    expect(connectionFromConfig(path)).toBe('mysql+pymysql://f:x@db/freezer?charset=utf8');
    writeFileSync(path, '[database]\nmax_retries = 3\n');
    expect(() => connectionFromConfig(path)).toThrow(/has no \[database\] connection/);
  });
});
