// SPDX-License-Identifier: Apache-2.0
// `npm run import` at scale: an original freezer-api schema on MariaDB (made by Debian's
// `freezer-manage db sync`) holding BENCH_IMPORT_BACKUPS backups (default 1,000,000) as the
// original stores them, imported into a scratch database on the PostgreSQL server of DATABASE_URL.
// Prints the rows per second of the whole command, the importer's peak memory (VmHWM), and the CPU
// time the importer and its PostgreSQL backends used per row: on a shared machine the wall-clock
// rate says how busy the machine was, the CPU time what the import costs. The last column is the
// rate two free cores would give (the CPU time of both, shared over two cores).
// Needs python3-freezer-api and python3-pymysql, MariaDB at BENCH_MYSQL (mysql://root@127.0.0.1:3306).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createScratchDatabase } from './scratch.mjs';
import { backupBody } from './seed.mjs';

const ROWS = Number(process.env.BENCH_IMPORT_BACKUPS ?? 1_000_000);
const MYSQL = new URL(process.env.BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306');
const BATCH = 2000;
// more options for the import, e.g. BENCH_IMPORT_ARGS=--defer-indexes
const EXTRA = (process.env.BENCH_IMPORT_ARGS ?? '').split(' ').filter(Boolean);

const TICK = 100; // USER_HZ on Linux

// CPU seconds a process has used (utime + stime), 0 once it is gone.
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

function vm(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const work = mkdtempSync(join(tmpdir(), 'freezer-bench-import-'));
const name = `freezer_bench_import_${Date.now().toString(36)}`;
const maria = await mysql.createConnection({ host: MYSQL.hostname, port: Number(MYSQL.port || 3306), user: MYSQL.username || 'root', password: MYSQL.password });
await maria.query(`CREATE DATABASE ${name}`);
const target = await createScratchDatabase();
try {
  // the original's schema, by its own tool
  const source = `mysql+pymysql://${MYSQL.username || 'root'}${MYSQL.password ? `:${MYSQL.password}` : ''}@${MYSQL.host}/${name}`;
  writeFileSync(join(work, "freezer-api.conf"), `[storage]\ndriver = sqlalchemy\nbackend = sqlalchemy\n[database]\nconnection = ${source}\n`);
  execFileSync('freezer-manage', ['--config-file', join(work, 'freezer-api.conf'), 'db', 'sync'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });

  // rows as the original's add_backup writes them: one project of freezer-agent metadata
  let started = performance.now();
  for (let from = 0; from < ROWS; from += BATCH) {
    const rows = [];
    for (let n = from; n < Math.min(ROWS, from + BATCH); n++) {
      const id = `${n.toString(16).padStart(8, '0')}${'0'.repeat(24)}`;
      const stamp = new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString().slice(0, 19).replace('T', ' ');
      rows.push([stamp, 0, id, 'bench', 'benchuser', 'benchuser', JSON.stringify(backupBody('bench', n))]);
    }
    await maria.query(`INSERT INTO ${name}.backups (created_at, deleted, id, project_id, user_id, user_name, backup_metadata) VALUES ?`, [rows]);
  }
  console.error(`source: ${ROWS.toLocaleString('en')} backups in MariaDB in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  started = performance.now();
  const child = spawn(process.execPath, ['dist/src/import/cli.js', '--from', `mysql://${MYSQL.username || 'root'}@${MYSQL.host}/${name}`, '--refused', join(work, 'refused.jsonl'), ...EXTRA], {
    env: { ...process.env, DATABASE_URL: target.url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  // the importer's memory and CPU, and the CPU of its PostgreSQL backends (found by application name)
  let peak = 0;
  let importerCpu = 0;
  const backendCpu = new Map();
  const watcher = new pg.Client({ connectionString: target.url });
  await watcher.connect();
  let sampling = false;
  const sampler = setInterval(async () => {
    peak = Math.max(peak, vm(child.pid, 'VmHWM'));
    importerCpu = Math.max(importerCpu, cpuSeconds(child.pid));
    if (sampling) return;
    sampling = true;
    try {
      const { rows } = await watcher.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'freezer-api-import'`);
      for (const { pid } of rows) backendCpu.set(pid, Math.max(backendCpu.get(pid) ?? 0, cpuSeconds(pid)));
    } finally {
      sampling = false;
    }
  }, 100);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  await watcher.end();
  const seconds = (performance.now() - started) / 1000;
  const postgresCpu = [...backendCpu.values()].reduce((sum, value) => sum + value, 0);
  const perRow = (cpu) => ((cpu / ROWS) * 1e6).toFixed(0);
  process.stdout.write(stdout);
  console.log(`\n| backups | exit | seconds | backups/s | peak RSS MB | importer CPU s (µs/row) | PostgreSQL CPU s (µs/row) | backups/s on 2 free cores |`);
  console.log(`|---:|---:|---:|---:|---:|---:|---:|---:|`);
  console.log(
    `| ${ROWS.toLocaleString('en')} | ${code} | ${seconds.toFixed(1)} | ${Math.round(ROWS / seconds).toLocaleString('en')} | ${peak.toFixed(1)} | ` +
      `${importerCpu.toFixed(1)} (${perRow(importerCpu)}) | ${postgresCpu.toFixed(1)} (${perRow(postgresCpu)}) | ${Math.round(ROWS / ((importerCpu + postgresCpu) / 2)).toLocaleString('en')} |`,
  );

  console.log(`import options: ${EXTRA.join(' ') || '(none)'}`);
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
} finally {
  if (process.env.BENCH_KEEP !== '1') await maria.query(`DROP DATABASE IF EXISTS ${name}`);
  await maria.end();
  if (process.env.BENCH_KEEP === '1') console.log(`kept: MariaDB database ${name}, ${target.url}`);
  else await target.drop();
  rmSync(work, { recursive: true, force: true });
}
