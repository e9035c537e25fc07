// SPDX-License-Identifier: Apache-2.0
// Latency of backup searches as one project's catalogue grows from 20,000 to 1,000,000 backups.
//
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/search-latency.mjs
//
// Creates a scratch database on the server of DATABASE_URL, starts the compiled service on it,
// seeds backups shaped like freezer-agent's straight into the table (seeding a million through
// HTTP would take longer than the measurement is worth; issue 8's benchmark seeds through the API),
// then times sequential requests over one keep-alive connection: p50/p95/p99 in ms.
import http from 'node:http';
import pg from 'pg';
import { createScratchDatabase, freePort, startService } from './scratch.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '20000,1000000').split(',').map(Number);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const OWNER = 'bench-user';
const PROJECT = 'bench-project';
const NAMES = 5000; // distinct backup names (one per job): 200 backups per name at 1M
const HOSTS = 1000; // distinct hosts

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: '127.0.0.1', port, method, path, agent,
        headers: { 'X-User-Id': OWNER, 'X-Project-Id': PROJECT, ...(payload ? { 'Content-Length': payload.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode < 300 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${res.statusCode} ${Buffer.concat(chunks)}`))));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// Rows [from, to) of the catalogue; created_at follows the number so the order is stable. The
// promote trigger is off during the bulk load (it is what makes seeding slow); the promoted columns
// are written here with the values it would compute for these documents, and checkPromoted()
// compares a sample with the trigger's own function afterwards.
async function seed(db, from, to) {
  await db.query(
    `INSERT INTO backups (owner_id, id, project_id, user_id, created_at, doc,
                          backup_name, hostname, container, level, time_stamp, search_text)
     SELECT $1::text, md5('b' || n), $2::text, $1::text, timestamptz '2024-01-01' + n * interval '1 second', doc,
       jsonb_build_array('job-' || lpad((n % ${NAMES})::text, 5, '0')),
       jsonb_build_array('node-' || lpad((n % ${HOSTS})::text, 4, '0') || '.example.com'),
       '["freezer_backups"]'::jsonb, jsonb_build_array(n % 5), 1700000000 + n, freezer_doc_text(doc)
     FROM (SELECT n, jsonb_build_object('backup_id', md5('b' || n), 'user_id', $1::text, 'user_name', 'bench', 'project_id', $2::text,
         'backup_metadata', jsonb_build_object(
           'backup_name', 'job-' || lpad((n % ${NAMES})::text, 5, '0'),
           'hostname', 'node-' || lpad((n % ${HOSTS})::text, 4, '0') || '.example.com',
           'container', 'freezer_backups', 'action', 'backup', 'mode', 'fs', 'storage', 'swift',
           'path_to_backup', '/var/lib/app', 'level', n % 5, 'curr_backup_level', n % 5, 'max_level', 5,
           'time_stamp', 1700000000 + n, 'client_os', 'linux', 'compression', 'gzip',
           'fs_real_path', '/var/lib/app', 'consistency_checksum', md5('c' || n))) AS doc
       FROM generate_series($3::int, $4::int - 1) AS n) AS seeded`,
    [OWNER, PROJECT, from, to],
  );
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(port, label, path, bodyFor) {
  for (let i = 0; i < 20; i++) await request(port, 'GET', path, bodyFor(i)); // warm-up
  const times = [];
  let rows = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const t = process.hrtime.bigint();
    const out = await request(port, 'GET', path, bodyFor(i));
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    rows += JSON.parse(out).backups.length;
  }
  times.sort((a, b) => a - b);
  return { label, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), avgRows: rows / REQUESTS };
}

async function checkPromoted(db) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS wrong FROM (SELECT * FROM backups TABLESAMPLE SYSTEM (1)) b
      WHERE backup_name <> freezer_key_values(doc, 'backup_name') OR hostname <> freezer_key_values(doc, 'hostname')
         OR host_name <> freezer_key_values(doc, 'host_name') OR container <> freezer_key_values(doc, 'container')
         OR level <> freezer_key_values(doc, 'level') OR time_stamp IS DISTINCT FROM (doc #>> '{backup_metadata,time_stamp}')::numeric
         OR search_text <> freezer_doc_text(doc)`,
  );
  if (rows[0].wrong > 0) throw new Error(`${rows[0].wrong} seeded rows differ from what the trigger would write`);
}

async function main() {
  const scratch = await createScratchDatabase();
  const port = await freePort();
  const service = await startService(scratch.url, port, { DB_POOL_SIZE: '10' });
  const db = new pg.Client({ connectionString: scratch.url });
  await db.connect();
  const results = [];
  try {
    let seeded = 0;
    for (const size of SIZES) {
      const started = Date.now();
      // Bulk load with the GIN indexes dropped, then rebuilt from their own definitions.
      const { rows: gin } = await db.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'backups' AND indexdef LIKE '%USING gin%'`);
      for (const index of gin) await db.query(`DROP INDEX ${index.indexname}`);
      await db.query('ALTER TABLE backups DISABLE TRIGGER backups_promote');
      for (let from = seeded; from < size; from += 50_000) await seed(db, from, Math.min(size, from + 50_000));
      await db.query('ALTER TABLE backups ENABLE TRIGGER backups_promote');
      await checkPromoted(db);
      await db.query(`SET maintenance_work_mem = '512MB'`);
      for (const index of gin) await db.query(index.indexdef);
      seeded = size;
      await db.query('VACUUM ANALYZE backups');
      console.error(`seeded ${size} backups in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      const path = `/v2/${PROJECT}/backups?limit=100`;
      const pick = (i, mod) => String((i * 7919) % mod);
      results.push({ size, ...(await measure(port, 'search by name', path, (i) => ({ match: [{ backup_name: `job-${pick(i, NAMES).padStart(5, '0')}` }] }))) });
      results.push({ size, ...(await measure(port, 'free text (_all)', path, (i) => ({ match: [{ _all: `NODE-${pick(i, HOSTS).padStart(4, '0')}.example` }] }))) });
      results.push({ size, ...(await measure(port, 'list, no search', path, () => undefined)) });
      for (const r of results.slice(-3)) console.error(JSON.stringify(r));
    }
  } finally {
    await db.end();
    await service.stop();
    agent.destroy();
    await scratch.drop();
  }
  console.log(`\n${REQUESTS} sequential requests per row, limit=100, one keep-alive connection\n`);
  console.log('| backups | query | p50 ms | p95 ms | p99 ms | rows/answer |');
  console.log('|---:|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.size} | ${r.label} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.avgRows.toFixed(0)} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
