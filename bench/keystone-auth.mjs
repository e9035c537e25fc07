// SPDX-License-Identifier: Apache-2.0
// The cost of token validation with a warm cache: the same GET /v2/{project}/jobs?limit=1 driven
// by wrk (Debian package `wrk`) against two copies of the compiled service on one database, one in
// AUTH_MODE=noauth (identity headers) and one in AUTH_MODE=keystone (a real token, validated once
// and then served from the cache), alternating rounds so both see the same machine load.
//
//   npm run build && DATABASE_URL=postgres://... KEYSTONE_URL=http://127.0.0.1:5000/v3 \
//     KEYSTONE_USERNAME=admin KEYSTONE_PASSWORD=... KEYSTONE_PROJECT_NAME=admin node bench/keystone-auth.mjs
//
// The Keystone user is both the service's and the caller's (it must be allowed to validate tokens:
// admin, or the `service` role). test/utils/keystone-server.ts shows how to run Keystone locally.
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';

const DURATION = process.env.BENCH_DURATION ?? '10s';
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '16';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ks = {
  KEYSTONE_URL: process.env.KEYSTONE_URL,
  KEYSTONE_USERNAME: process.env.KEYSTONE_USERNAME,
  KEYSTONE_PASSWORD: process.env.KEYSTONE_PASSWORD,
  KEYSTONE_PROJECT_NAME: process.env.KEYSTONE_PROJECT_NAME,
};
for (const [name, value] of Object.entries({ ...ks, DATABASE_URL: process.env.DATABASE_URL })) {
  if (!value) throw new Error(`${name} must be set`);
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function start(env) {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthcheck`)).ok) return { child, port };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('the service did not start');
}

const auth = await fetch(`${ks.KEYSTONE_URL}/auth/tokens?nocatalog`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: ks.KEYSTONE_USERNAME, password: ks.KEYSTONE_PASSWORD, domain: { name: 'Default' } } } },
      scope: { project: { name: ks.KEYSTONE_PROJECT_NAME, domain: { name: 'Default' } } },
    },
  }),
});
if (auth.status !== 201) throw new Error(`Keystone refused the credentials: ${auth.status}`);
const token = auth.headers.get('x-subject-token');
const { token: body } = await auth.json();
const project = body.project.id;

const noauth = await start({ AUTH_MODE: 'noauth' });
const keystone = await start({ AUTH_MODE: 'keystone', ...ks });
const modes = [
  { name: 'noauth', port: noauth.port, identity: { 'X-User-Id': body.user.id, 'X-Project-Id': project } },
  { name: 'keystone', port: keystone.port, identity: { 'X-Auth-Token': token } },
].map((mode) => ({ ...mode, headers: Object.entries(mode.identity).flatMap(([name, value]) => ['-H', `${name}: ${value}`]) }));
try {
  for (const mode of modes) {
    // warm: the keystone copy validates the token once here; every later request hits the cache
    const warm = await fetch(`http://127.0.0.1:${mode.port}/v2/${project}/jobs?limit=1`, { headers: mode.identity });
    if (warm.status !== 200) throw new Error(`${mode.name}: warm-up answered ${warm.status}`);
  }
  const results = { noauth: [], keystone: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      const out = execFileSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${DURATION}`, ...mode.headers, `http://127.0.0.1:${mode.port}/v2/${project}/jobs?limit=1`], { encoding: 'utf8' });
      if (/Non-2xx/.test(out)) throw new Error(`${mode.name}: wrk saw errors\n${out}`);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
      const latency = /Latency\s+(\S+)/.exec(out)[1];
      results[mode.name].push(rps);
      console.log(`round ${round + 1} ${mode.name.padEnd(8)} ${rps.toFixed(0).padStart(6)} req/s  avg latency ${latency}`);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`\nGET /v2/{project}/jobs?limit=1, wrk -t2 -c${CONNECTIONS} -d${DURATION}, ${ROUNDS} rounds each`);
  console.log(`noauth   ${mean(results.noauth).toFixed(0)} req/s`);
  console.log(`keystone ${mean(results.keystone).toFixed(0)} req/s (warm cache)  ratio ${(mean(results.keystone) / mean(results.noauth)).toFixed(2)}`);
} finally {
  noauth.child.kill('SIGTERM');
  keystone.child.kill('SIGTERM');
}
