// SPDX-License-Identifier: Apache-2.0
// The baseline B0 of bench/run.mjs: what answering S1's request costs with no framework at all.
// A bare node:http server and a pg Pool answer GET /v2/{project_id}/jobs/{job_id} with the one
// indexed query the service runs for it (primary key (owner_id, id), the caller being the owner
// as under FREEZER_SCOPE=user, and the path project), returning the stored document as JSON;
// 404 when there is none. No validation, auth, policy, headers or logging: an upper bound for
// one process on this machine and database, not a service.
//
//   DATABASE_URL=postgres://... PORT=9191 [DB_POOL_SIZE=10] node bench/baseline-server.mjs
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 10) });
// a named statement: parsed and planned once per connection
const GET_JOB = 'SELECT doc FROM job_documents WHERE owner_id = $1 AND project_id = $2 AND id = $3';
const JOB = /^\/v2\/([^/?]+)\/jobs\/([^/?]+)\/?(?:\?.*)?$/;

function answer(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthcheck') return answer(res, 200, '"OK"');
  const route = req.method === 'GET' ? JOB.exec(req.url) : null;
  if (!route) return answer(res, 404, '{}');
  const user = req.headers['x-user-id'] ?? 'noauth';
  pool
    .query({ name: 'get-job', text: GET_JOB, values: [user, decodeURIComponent(route[1]), decodeURIComponent(route[2])] })
    .then(
      ({ rows }) => (rows.length === 1 ? answer(res, 200, JSON.stringify(rows[0].doc)) : answer(res, 404, '{}')),
      (error) => answer(res, 500, JSON.stringify({ title: 'Internal Server Error', description: error.message })),
    );
});

server.listen(Number(process.env.PORT ?? 9191), '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => server.close(() => pool.end().then(() => process.exit(0))));
}
