// SPDX-License-Identifier: Apache-2.0
// What the HTTP stack alone costs on this machine: the same constant JSON answer to
// GET /v2/{project}/jobs/{id} from a bare node:http server, from Express 5, and from NestJS on
// Express, each in its own process, driven by wrk (-t2 -c32). Prints req/s and the server's CPU
// per request (from /proc, user + system). No database: the floor under S1, S8 and every scenario.
//
//   node bench/framework-floor.mjs            (BENCH_DURATION seconds per stack, 8)
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { freePort } from './scratch.mjs';

const require = createRequire(import.meta.url);
const DOC = { job_id: 'x', description: 'job', job_actions: [{ freezer_action: { action: 'backup', path_to_backup: '/etc' } }], job_schedule: { status: 'scheduled' } };

async function serve(stack, port) {
  if (stack === 'node:http') {
    http.createServer((req, res) => {
      const body = JSON.stringify(DOC);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }).listen(port, '127.0.0.1');
  } else if (stack === 'express') {
    const app = require('express')();
    app.set('etag', false);
    app.get('/v2/:project_id/jobs/:job_id', (req, res) => res.json(DOC));
    app.listen(port, '127.0.0.1');
  } else {
    require('reflect-metadata');
    const { NestFactory } = require('@nestjs/core');
    const { Controller, Get, Module } = require('@nestjs/common');
    class JobsController {
      getJob() {
        return DOC;
      }
    }
    Get(':job_id')(JobsController.prototype, 'getJob', Object.getOwnPropertyDescriptor(JobsController.prototype, 'getJob'));
    Controller('v2/:project_id/jobs')(JobsController);
    class AppModule {}
    Module({ controllers: [JobsController] })(AppModule);
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(port, '127.0.0.1');
  }
}

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(stack) {
  const port = await freePort();
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--serve', stack, String(port)], { stdio: 'inherit' });
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/v2/p/jobs/j`);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const url = `http://127.0.0.1:${port}/v2/p/jobs/j`;
  execFileSync('wrk', ['-t2', '-c32', '-d2s', url]); // warm-up
  const duration = Number(process.env.BENCH_DURATION ?? 8);
  const before = cpuSeconds(child.pid);
  const out = execFileSync('wrk', ['-t2', '-c32', `-d${duration}s`, url], { encoding: 'utf8' });
  const cpu = cpuSeconds(child.pid) - before;
  child.kill('SIGTERM');
  await once(child, 'exit');
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  return { stack, rps, cpuUs: (1e6 * cpu) / (rps * duration) };
}

if (process.argv[2] === '--serve') {
  process.once('SIGTERM', () => process.exit(0));
  await serve(process.argv[3], Number(process.argv[4]));
} else {
  console.log('| stack | req/s | server CPU per request µs |\n|---|---:|---:|');
  for (const stack of ['node:http', 'express', 'nest']) {
    const { rps, cpuUs } = await measure(stack);
    console.log(`| ${stack} | ${Math.round(rps).toLocaleString('en-US')} | ${Math.round(cpuUs)} |`);
  }
}
