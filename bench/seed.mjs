// SPDX-License-Identifier: Apache-2.0
// The catalogue of the benchmark, created through the API with concurrent keep-alive requests:
// clients, jobs (with embedded actions, as the CLI and the web UI post them), sessions with member
// jobs, and backups shaped like freezer-agent's metadata. Also the backup growth to a large
// catalogue (through the API by default; a labelled SQL bulk path as an alternative).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';

export const NAMES = 5000; // distinct backup names (one per job of freezer-agent)
export const HOSTS = 1000; // distinct backup hosts
const EPOCH = 1700000000; // time_stamp of backup 0; backup n is n * 60 s later

const pad = (n, width) => String(n).padStart(width, '0');
export const backupName = (i) => `job-${pad(i % NAMES, 5)}`;
export const hostName = (i) => `node-${pad(i % HOSTS, 4)}.example.com`;

// A JSON-over-HTTP client with its own keep-alive sockets, for one service.
export class Api {
  constructor(port, { user, project, sockets = 32 }) {
    this.port = port;
    this.user = user;
    this.project = project;
    this.prefix = `/v2/${project}`;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
    this.retries = 0;
  }

  // Answers {status, body}; a body that is JSON is parsed. `close` asks for a connection of its own,
  // closed after the answer.
  raw(method, path, body, { close = false } = {}) {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            'X-User-Id': this.user,
            'X-Project-Id': this.project,
            Accept: 'application/json',
            ...(close ? { Connection: 'close' } : {}),
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed = text;
            if (/json/.test(res.headers['content-type'] ?? '') && text !== '') parsed = JSON.parse(text);
            resolve({ status: res.statusCode, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  // The answer's body when its status is the expected one, else an error naming both. A socket
  // error (a keep-alive connection closed under the request) is retried up to 3 times: over a
  // million requests it happens, and the seeding must not die of it.
  async call(method, path, body, expected) {
    for (let attempt = 0; ; attempt++) {
      let answer;
      try {
        // The original service answers 204 with a chunked body's last chunk, which is left on the
        // connection and read as the start of the next answer on it: such a request gets a
        // connection of its own.
        answer = await this.raw(method, path, body, { close: expected === 204 });
      } catch (error) {
        // Or Node's parser takes that last chunk for a malformed answer before it hands over the
        // 204 itself (the S7 scenario then finds any session member missing).
        if (expected === 204 && error.code === 'HPE_INVALID_CONSTANT') return '';
        if (attempt < 3 && ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT'].includes(error.code)) {
          this.retries++;
          continue;
        }
        throw new Error(`${method} ${path}: ${error.message}`);
      }
      if (answer.status !== expected) {
        throw new Error(`${method} ${path}: ${answer.status} (expected ${expected}) ${JSON.stringify(answer.body).slice(0, 500)}`);
      }
      return answer.body;
    }
  }

  close() {
    this.agent.destroy();
  }
}

// Runs task(i) for i in [0, count), `width` at a time; onProgress(done) after each.
export async function inParallel(count, width, task, onProgress) {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        await task(i);
        done++;
        onProgress?.(done);
      }
    }),
  );
}

// A phase of the seeding: its request count, wall time and rate. run(progress) calls
// progress(done) after each request; every 10 s it is printed.
async function timed(label, count, run, log) {
  const started = performance.now();
  let lastLog = started;
  await run((done) => {
    const now = performance.now();
    if (now - lastLog >= 10_000 && done < count) {
      lastLog = now;
      log(`  ${label}: ${done}/${count}, ${(done / ((now - started) / 1000)).toFixed(0)} req/s`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const phase = { label, requests: count, seconds, rate: count / seconds };
  log(`  ${label}: ${count} requests in ${seconds.toFixed(1)} s, ${phase.rate.toFixed(0)} req/s`);
  return phase;
}

export const clientId = (project, i) => `${project}_${hostName(i)}`;

// freezer-scheduler's registration, with the keys newer schedulers add.
function clientBody(project, i) {
  return {
    client_id: clientId(project, i),
    hostname: hostName(i),
    description: `scheduler on ${hostName(i)}`,
    supported_actions: ['backup', 'restore', 'admin'],
    supported_modes: ['fs', 'mysql', 'mongo', 'cinder', 'nova'],
    supported_storages: ['swift', 'local', 'ssh', 's3'],
    supported_engines: ['tar', 'rsync'],
    is_central: false,
  };
}

const INTERVALS = ['1 days', '12 hours', '6 hours', '1 weeks', '30 minutes'];
const PATHS = ['/etc', '/var/lib/mysql', '/home', '/srv/www', '/var/lib/app'];

// A job as the CLI's job-create --file and the web UI post it: a client, a schedule, a backup
// action (and for every fourth job a second one pruning old backups). A third of the jobs are
// completed one-shot runs, one in ten is stopped, the rest are scheduled.
export function jobBody(project, clients, i) {
  const client = i % clients;
  const status = i % 3 === 0 ? 'completed' : i % 10 === 1 ? 'stop' : 'scheduled';
  const path = PATHS[i % PATHS.length];
  const actions = [
    {
      freezer_action: {
        action: 'backup',
        mode: i % 7 === 0 ? 'mysql' : 'fs',
        backup_name: backupName(i),
        container: 'freezer_backups',
        path_to_backup: path,
        storage: 'swift',
        max_level: 5,
        always_level: '',
        compression: 'gzip',
        log_file: `/var/log/freezer/${backupName(i)}.log`,
        remove_older_than: 30,
      },
      max_retries: 3,
      max_retries_interval: 10,
      mandatory: true,
    },
  ];
  if (i % 4 === 0) {
    actions.push({
      freezer_action: { action: 'admin', backup_name: backupName(i), container: 'freezer_backups', remove_older_than: 30, storage: 'swift' },
      max_retries: 1,
      max_retries_interval: 30,
      mandatory: false,
    });
  }
  return {
    client_id: clientId(project, client),
    description: `${actions.length > 1 ? 'backup and prune' : 'backup'} of ${path} on ${hostName(client)}`,
    job_schedule: {
      schedule_interval: INTERVALS[i % INTERVALS.length],
      schedule_start_date: '2024-01-01T03:00:00',
      event: '',
      status,
      result: status === 'completed' ? 'success' : '',
    },
    job_actions: actions,
  };
}

// Metadata as freezer-agent posts it after backup n (sch: upload_metadata): names from NAMES
// distinct ones, hosts from HOSTS, a growing time_stamp, incremental levels.
export function backupBody(project, n) {
  const level = n % 5;
  return {
    action: 'backup',
    backup_name: backupName(n),
    hostname: hostName(n),
    client_id: `${project}_${hostName(n)}`,
    container: 'freezer_backups',
    mode: 'fs',
    storage: 'swift',
    engine_name: 'tar',
    path_to_backup: '/var/lib/app',
    fs_real_path: '/var/lib/app',
    level,
    curr_backup_level: level,
    max_level: 5,
    always_level: '',
    time_stamp: EPOCH + n * 60,
    client_os: 'linux',
    client_version: '13.0.0',
    compression: 'gzip',
    consistency_checksum: randomUUID().replaceAll('-', ''),
    dry_run: false,
    log_file: `/var/log/freezer/${backupName(n)}.log`,
  };
}

// Every document of a collection of the project, read back through the API, paged by offset (the
// original service has no marker paging: it answers the first page again). A page that repeats
// the one before it stops the read rather than loop for ever.
export async function listAll(api, collection) {
  const all = [];
  const idKey = { jobs: 'job_id', sessions: 'session_id', backups: 'backup_id' }[collection];
  let previous = null;
  for (;;) {
    const page = (await api.call('GET', `${api.prefix}/${collection}?limit=1000&offset=${all.length}`, undefined, 200))[collection];
    if (page.length > 0 && page.at(-1)[idKey] === previous) throw new Error(`GET ${collection}: offset ${all.length} answered the page before it again`);
    all.push(...page);
    if (page.length < 1000) return all;
    previous = page.at(-1)[idKey];
  }
}

// The catalogue: clients, jobs, sessions with member jobs, backups. Answers what the scenarios
// rotate over and the rate of each phase.
export async function seedCatalogue(api, sizes, { concurrency = 32, log = console.error } = {}) {
  const { clients, jobs, sessions, sessionJobs, backups } = sizes;
  const project = api.project;
  const phases = [];
  log(`seeding through the API, ${concurrency} requests in flight:`);

  phases.push(await timed('clients', clients, (progress) => inParallel(clients, concurrency, (i) => api.call('POST', `${api.prefix}/clients`, clientBody(project, i), 201), progress), log));

  const jobIds = new Array(jobs);
  phases.push(
    await timed('jobs', jobs, (progress) => inParallel(jobs, concurrency, async (i) => {
      jobIds[i] = (await api.call('POST', `${api.prefix}/jobs`, jobBody(project, clients, i), 201)).job_id;
    }, progress), log),
  );

  // Members: distinct jobs that are not completed; more are created when the catalogue is too
  // small for sessions * sessionJobs of them.
  const open = jobIds.filter((_, i) => jobBody(project, clients, i).job_schedule.status !== 'completed');
  const wanted = sessions * sessionJobs;
  const extra = Math.max(0, wanted - open.length);
  if (extra > 0) {
    phases.push(
      await timed('extra member jobs', extra, () => inParallel(extra, concurrency, async (k) => {
        const body = jobBody(project, clients, jobs + k);
        body.job_schedule = { ...body.job_schedule, status: 'scheduled', result: '' };
        open.push((await api.call('POST', `${api.prefix}/jobs`, body, 201)).job_id);
      }), log),
    );
  }
  const sessionIds = new Array(sessions);
  phases.push(
    await timed('sessions', sessions, () => inParallel(sessions, concurrency, async (s) => {
      sessionIds[s] = (await api.call('POST', `${api.prefix}/sessions`, {
        description: `backup window ${s}`,
        hold_off: 3600,
        schedule: { schedule_interval: '1 days', schedule_start_date: '2024-01-01T02:00:00' },
      }, 201)).session_id;
    }), log),
  );
  const members = []; // [session_id, job_id]
  for (let s = 0; s < sessions; s++) for (let j = 0; j < sessionJobs; j++) members.push([sessionIds[s], open[s * sessionJobs + j]]);
  phases.push(
    await timed('session members (PUT)', members.length, () =>
      // one session's members one after the other: the original service loses concurrent updates
      // of one session (its last write wins), and the S7 pairs need every member
      inParallel(sessions, concurrency, async (s) => {
        for (let j = 0; j < sessionJobs; j++) {
          const [session, job] = members[s * sessionJobs + j];
          await api.call('PUT', `${api.prefix}/sessions/${session}/jobs/${job}`, undefined, 204);
        }
      }), log),
  );

  phases.push(await timed('backups', backups, (progress) => inParallel(backups, concurrency, (n) => api.call('POST', `${api.prefix}/backups`, backupBody(project, n), 201), progress), log));

  const jobDocs = await listAll(api, 'jobs');
  if (jobDocs.length !== jobs + extra) throw new Error(`listed ${jobDocs.length} jobs, created ${jobs + extra}`);
  return { phases, jobDocs, members, sessionIds, backupsSeeded: backups };
}

// Grows the project's backups to `target` through the API (concurrent POSTs), continuing the
// numbering from `from`; prints progress every 10 s. Answers the phase figures.
export async function growBackupsApi(api, from, target, { concurrency = 32, log = console.error } = {}) {
  const count = Math.max(0, target - from);
  const started = performance.now();
  let lastLog = started;
  await inParallel(count, concurrency, (k) => api.call('POST', `${api.prefix}/backups`, backupBody(api.project, from + k), 201), (done) => {
    const now = performance.now();
    if (now - lastLog >= 10_000 || done === count) {
      lastLog = now;
      const rate = done / ((now - started) / 1000);
      log(`  backups ${from + done}/${target}: ${rate.toFixed(0)} req/s, ${((count - done) / rate / 60).toFixed(1)} min to go`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return { label: 'backups to large (API)', requests: count, seconds, rate: count / seconds, path: 'api' };
}

// The alternative to growBackupsApi, for machines where a million POSTs take too long: the same
// documents (backupBody, wrapped as the service wraps them, fresh 32-hex ids) written with the
// service's own INSERT statement, in batches of 2,000 rows through unnest, on two connections.
// The promote trigger stays on, so every row is exactly what the API would have written; only
// the HTTP layer is skipped. The GIN indexes of the table (their per-row upkeep is most of the cost
// of an insert) are dropped for the load and rebuilt from their own definitions afterwards: the
// same entries, but built in one go, so they are more compact than ones grown row by row. Labelled
// `sql` in the results.
export async function growBackupsSql(databaseUrl, owner, from, target, { log = console.error, connections = 2 } = {}) {
  const count = Math.max(0, target - from);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const workers = [];
  const started = performance.now();
  let lastLog = started;
  let next = 0;
  let done = 0;
  const { rows: gin } = await admin.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'backups' AND indexdef LIKE '%USING gin%'`);
  try {
    for (const index of gin) await admin.query(`DROP INDEX ${index.indexname}`);
    for (let w = 0; w < connections; w++) {
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      workers.push(db);
    }
    await Promise.all(workers.map(async (db) => {
      while (next < count) {
        const first = next;
        const size = Math.min(2000, count - first);
        next += size;
        const ids = [];
        const docs = [];
        for (let k = 0; k < size; k++) {
          const id = randomUUID().replaceAll('-', '');
          ids.push(id);
          docs.push(JSON.stringify({ backup_id: id, user_id: owner.user, user_name: null, project_id: owner.project, backup_metadata: backupBody(owner.project, from + first + k) }));
        }
        await db.query(
          `INSERT INTO backups (owner_id, id, project_id, user_id, doc)
           SELECT $1, id, $2, $1, doc FROM unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS t(id, doc, k) ORDER BY k`,
          [owner.user, owner.project, ids, docs],
        );
        done += size;
        const now = performance.now();
        if (now - lastLog >= 10_000 || done === count) {
          lastLog = now;
          const rate = done / ((now - started) / 1000);
          log(`  backups ${from + done}/${target} (SQL bulk path): ${rate.toFixed(0)} rows/s, ${((count - done) / rate / 60).toFixed(1)} min to go`);
        }
      }
    }));
  } finally {
    for (const db of workers) await db.end();
    const rebuilt = performance.now();
    await admin.query(`SET maintenance_work_mem = '512MB'`);
    for (const index of gin) await admin.query(index.indexdef);
    log(`  ${gin.length} GIN indexes rebuilt in ${((performance.now() - rebuilt) / 1000).toFixed(0)} s`);
    await admin.end();
  }
  const seconds = (performance.now() - started) / 1000;
  return { label: 'backups to large (SQL bulk path)', requests: count, seconds, rate: count / seconds, path: 'sql' };
}

// VACUUM ANALYZE of the whole scratch database: statistics for the planner and GIN pending lists
// merged, what autovacuum does to tables in steady use.
export async function vacuumAnalyze(databaseUrl) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const started = performance.now();
    await db.query('VACUUM ANALYZE');
    return (performance.now() - started) / 1000;
  } finally {
    await db.end();
  }
}

export async function countBackups(databaseUrl, owner) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM backups WHERE owner_id = $1 AND project_id = $2', [owner.user, owner.project]);
    return rows[0].n;
  } finally {
    await db.end();
  }
}
