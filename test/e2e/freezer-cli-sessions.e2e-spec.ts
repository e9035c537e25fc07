// SPDX-License-Identifier: Apache-2.0
// Sessions through the real python-freezerclient 5 CLI (`freezer`, Debian package
// python3-freezerclient, API v2) against the compiled service (`node dist/src/main.js`): every
// session-* command, and `end`, which the CLI lacks, through the library's session manager
// (freezerclient.v2.client.Client().sessions.end_session) as freezer-scheduler calls it. Each step
// checks what the program printed and the state it left, read back over HTTP (spec §10, §12).
// Authentication goes through the Keystone v3 stand-in, whose `<user>:<project>` tokens the
// service in noauth mode reads as that identity (D15, §3.5).
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../src/common/json/json.types.js';
import { buildJobDoc } from '../factories/job.factory.js';
import {
  BOOT_TIMEOUT_MS,
  CLI_TIMEOUT_MS,
  type CliResult,
  expectSuccess,
  findFreezerCli,
  listTable,
  openStackEnv,
  runFreezer,
  showTable,
  startApiService,
} from '../utils/freezer-cli.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { startKeystoneStandIn, type KeystoneStandIn } from '../utils/keystone-stand-in.js';
import type { ServiceProcess } from '../utils/service-process.js';

const PYTHON = '/usr/bin/python3';

// freezerclient's own client, authenticated like the CLI (OS_* from the environment), with the
// service URL as its endpoint; prints end_session's answer as JSON, or exits 1 with the error.
const END_SESSION = `
import json, os, sys
from freezerclient.v2 import client
url, session_id, job_id, session_tag, result = sys.argv[1:6]
c = client.Client(
    username=os.environ['OS_USERNAME'], password=os.environ['OS_PASSWORD'],
    auth_url=os.environ['OS_AUTH_URL'], project_name=os.environ['OS_PROJECT_NAME'],
    user_domain_name=os.environ['OS_USER_DOMAIN_NAME'],
    project_domain_name=os.environ['OS_PROJECT_DOMAIN_NAME'], endpoint=url)
try:
    answer = c.sessions.end_session(session_id, job_id, int(session_tag), result)
except Exception as error:
    print(error, file=sys.stderr)
    sys.exit(1)
print(json.dumps(answer, sort_keys=True))
`;

interface Answer {
  status: number;
  body: JsonObject;
  etag: string | null;
}

describe('sessions through the real freezer CLI and freezerclient library (API v2)', () => {
  const identity = newIdentity();
  const project = identity.projectId;
  const tag = identity.userId.slice(1, 9);
  const fixedId = `nightly-group-${tag}`;
  const schedule = { schedule_interval: '1 days', schedule_start_date: '2030-01-01T03:00:00' };

  let cli: string;
  let workDir: string;
  let service: { service: ServiceProcess; url: string } | undefined;
  let keystone: KeystoneStandIn | undefined;
  let createdId = '';
  const jobIds: string[] = [];

  beforeAll(async () => {
    cli = findFreezerCli();
    try {
      accessSync(PYTHON, constants.X_OK);
    } catch {
      throw new Error(`${PYTHON} is missing: install python3-freezerclient (apt-get install -y --no-install-recommends python3-freezerclient)`);
    }
    workDir = mkdtempSync(join(tmpdir(), 'freezer-cli-sessions-'));
    service = await startApiService();
    keystone = await startKeystoneStandIn(service.url);
  }, BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await service?.service.stop(5_000);
    await keystone?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const env = () => openStackEnv(identity, keystone!.url, workDir);

  // `-v` makes the CLI log its INFO lines ("Session X created") and each HTTP request on stderr.
  const freezer = (args: string[]): Promise<CliResult> => runFreezer(cli, args, env(), service!.url);
  const ok = async (args: string[]): Promise<CliResult> => expectSuccess(args, await freezer(args));

  function endSession(sessionId: string, jobId: string, sessionTag: number, result: string): Promise<CliResult> {
    const argv = ['-c', END_SESSION, service!.url, sessionId, jobId, String(sessionTag), result];
    return new Promise((resolve) => {
      execFile(PYTHON, argv, { env: env(), timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      });
    });
  }

  async function api(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${service!.url}/v2/${project}${path}`, {
      method,
      headers: { ...identityHeaders(identity), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as JsonObject), etag: res.headers.get('etag') };
  }

  async function getDoc(path: string): Promise<JsonObject> {
    const answer = await api('GET', path);
    expect(answer.status).toBe(200);
    return answer.body;
  }

  function jsonFile(name: string, doc: unknown): string {
    const path = join(workDir, name);
    writeFileSync(path, JSON.stringify(doc));
    return path;
  }

  // the request line urllib3 logs at -v: `"POST /v2/<project>/sessions/ HTTP/1.1" 201`
  const requestLine = (method: string, path: string, status: number) => `"${method} /v2/${project}${path} HTTP/1.1" ${status}`;

  it('session-create --file without a session_id POSTs to the collection and logs the new 32-hex id', async () => {
    const file = jsonFile('session.json', { description: `nightly group ${tag}`, schedule });
    const { stderr } = await ok(['-v', 'session-create', '--file', file]);
    expect(stderr).toContain(requestLine('POST', '/sessions/', 201));
    createdId = /Session ([0-9a-f]{32}) created/.exec(stderr)?.[1] ?? '';
    expect(createdId).toMatch(/^[0-9a-f]{32}$/);
    const created = await api('GET', `/sessions/${createdId}`);
    expect({ status: created.status, etag: created.etag }).toEqual({ status: 200, etag: '"1"' });
    expect(created.body).toEqual({
      session_id: createdId,
      user_id: identity.userId,
      project_id: project,
      description: `nightly group ${tag}`,
      hold_off: 30,
      schedule,
      session_tag: 0,
      status: 'active',
      result: '',
      jobs: {},
      last_start: '',
      time_start: -1,
      time_end: -1,
      time_started: -1,
      time_ended: -1,
    });
  });

  it('session-create --file with a session_id POSTs to the item URL: created with that id, then replaced', async () => {
    const file = jsonFile('fixed.json', { session_id: fixedId, session_tag: 0, description: 'fixed id', hold_off: 3600, schedule: { schedule_interval: '2 days' } });
    const first = await ok(['-v', 'session-create', '--file', file]);
    expect(first.stderr).toContain(requestLine('POST', `/sessions/${fixedId}`, 201));
    expect(first.stderr).toContain(`Session ${fixedId} created`);
    const created = await api('GET', `/sessions/${fixedId}`);
    expect({ status: created.status, etag: created.etag, description: created.body.description, hold_off: created.body.hold_off }).toEqual({
      status: 200,
      etag: '"1"',
      description: 'fixed id',
      hold_off: 3600,
    });

    // the same command again replaces the document (D8: 201 both times), version 2
    const again = jsonFile('fixed-again.json', { session_id: fixedId, session_tag: 0, description: `fixed id ${tag}`, hold_off: 3600, schedule: { schedule_interval: '2 days' } });
    const second = await ok(['-v', 'session-create', '--file', again]);
    expect(second.stderr).toContain(requestLine('POST', `/sessions/${fixedId}`, 201));
    expect(second.stderr).toContain(`Session ${fixedId} created`);
    const replaced = await api('GET', `/sessions/${fixedId}`);
    expect({ etag: replaced.etag, description: replaced.body.description, status: replaced.body.status, jobs: replaced.body.jobs }).toEqual({
      etag: '"2"',
      description: `fixed id ${tag}`,
      status: 'active',
      jobs: {},
    });
  });

  it('session-list shows both sessions, and --search filters them', async () => {
    const rows = listTable((await ok(['session-list'])).stdout);
    expect(rows).toEqual([
      { 'Session ID': createdId, Description: `nightly group ${tag}`, Status: 'active', Result: '', '# Jobs': '0' },
      { 'Session ID': fixedId, Description: `fixed id ${tag}`, Status: 'active', Result: '', '# Jobs': '0' },
    ]);
    const found = listTable((await ok(['session-list', '--search', `NIGHTLY GROUP ${tag}`])).stdout);
    expect(found.map((row) => row['Session ID'])).toEqual([createdId]);
    expect(listTable((await ok(['session-list', '--search', `no-such-session-${tag}`])).stdout)).toEqual([]);
  });

  it('session-show prints every field of the session', async () => {
    expect(showTable((await ok(['session-show', fixedId])).stdout)).toEqual({
      'Session ID': fixedId,
      'Session tag': '0',
      Description: `fixed id ${tag}`,
      Status: 'active',
      Result: '',
      Jobs: '{}',
      'Hold off': '3600',
      Schedule: "{'schedule_interval': '2 days'}",
      'Last start': '',
      'Time start': '-1',
      'Time end': '-1',
      'Project id': project,
      'User id': identity.userId,
    });
    const missing = await freezer(['session-show', `no-such-session-${tag}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Session not found');
  });

  it('session-add-job adds jobs: the session lists them, the jobs name the session and take its schedule_* keys', async () => {
    for (const name of ['alpha', 'beta']) {
      const created = await api('POST', '/jobs', buildJobDoc({
        client_id: `${project}_${name}-${tag}`,
        description: `${name} job`,
        job_schedule: { schedule_interval: '7 days', event: 'start', status: 'scheduled' },
      }));
      expect(created.status).toBe(201);
      jobIds.push(created.body.job_id as string);
    }
    for (const jobId of jobIds) {
      const { stderr } = await ok(['-v', 'session-add-job', '--session-id', fixedId, '--job-id', jobId]);
      expect(stderr).toContain(requestLine('PUT', `/sessions/${fixedId}/jobs/${jobId}`, 204));
      expect(stderr).toContain(`Job ${jobId} added correctly to session ${fixedId}`);
    }
    const session = await getDoc(`/sessions/${fixedId}`);
    expect(session.jobs).toEqual({
      [jobIds[0]]: { client_id: `${project}_alpha-${tag}`, status: 'scheduled', result: '', time_started: -1, time_ended: -1 },
      [jobIds[1]]: { client_id: `${project}_beta-${tag}`, status: 'scheduled', result: '', time_started: -1, time_ended: -1 },
    });
    for (const jobId of jobIds) {
      const job = await getDoc(`/jobs/${jobId}`);
      const jobSchedule = job.job_schedule as JsonObject;
      expect({ session_id: job.session_id, session_tag: job.session_tag, interval: jobSchedule.schedule_interval, event: jobSchedule.event, status: jobSchedule.status }).toEqual({
        session_id: fixedId,
        session_tag: 0,
        interval: '2 days',
        event: 'start',
        status: 'scheduled',
      });
    }
    const rows = listTable((await ok(['session-list', '--search', fixedId])).stdout);
    expect(rows).toEqual([{ 'Session ID': fixedId, Description: `fixed id ${tag}`, Status: 'active', Result: '', '# Jobs': '2' }]);
    const missingJob = await freezer(['session-add-job', '--session-id', fixedId, '--job-id', `no-such-job-${tag}`]);
    expect(missingJob.code).toBe(1);
    expect(missingJob.stderr).toContain(`[*] Error 404: No job found with ID no-such-job-${tag}`);
  });

  it('session-start needs --session-id, --job-id and --job-tag; the first start begins a run, the next joins it', async () => {
    const noTag = await freezer(['session-start', '--session-id', fixedId, '--job-id', jobIds[0]]);
    expect(noTag.code).toBe(2);
    expect(noTag.stderr).toContain('the following arguments are required: --job-tag');
    const noJob = await freezer(['session-start', '--session-id', fixedId, '--job-tag', '0']);
    expect(noJob.code).toBe(2);
    expect(noJob.stderr).toContain('the following arguments are required: --job-id');

    // the CLI sends the tag as the string "0" and prints nothing of the answer
    const first = await ok(['-v', 'session-start', '--session-id', fixedId, '--job-id', jobIds[0], '--job-tag', '0']);
    expect(first.stderr).toContain(requestLine('POST', `/sessions/${fixedId}/action`, 202));
    expect(first.stderr).toContain(`Session ${fixedId} start requested`);
    expect(first.stdout).toBe('');
    const running = await getDoc(`/sessions/${fixedId}`);
    expect({ tag: running.session_tag, status: running.status, result: running.result }).toEqual({ tag: 1, status: 'running', result: '' });
    expect(running.time_start).toEqual(expect.any(Number));
    const jobs = running.jobs as Record<string, JsonObject>;
    expect({ status: jobs[jobIds[0]].status, started: jobs[jobIds[0]].time_started }).toEqual({ status: 'running', started: running.time_start });
    expect(jobs[jobIds[1]].status).toBe('scheduled');

    // a second node with the old tag, inside hold_off (3600 s): joins the run, the tag stays 1
    await ok(['session-start', '--session-id', fixedId, '--job-id', jobIds[1], '--job-tag', '0']);
    const joined = await getDoc(`/sessions/${fixedId}`);
    expect({ tag: joined.session_tag, second: (joined.jobs as Record<string, JsonObject>)[jobIds[1]].status }).toEqual({ tag: 1, second: 'running' });

    const tooHigh = await freezer(['session-start', '--session-id', fixedId, '--job-id', jobIds[0], '--job-tag', '5']);
    expect(tooHigh.code).toBe(1);
    expect(tooHigh.stderr).toContain('[*] Error 400: requested tag value too high. Session Tag: 1 Job Tag: 5');
    const missing = await freezer(['session-start', '--session-id', `no-such-session-${tag}`, '--job-id', jobIds[0], '--job-tag', '0']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Session not found');
  });

  it('end through freezerclient\'s session manager (the CLI has none): the session completes with the overall result', async () => {
    const first = await endSession(fixedId, jobIds[0], 1, 'success');
    expect(first).toEqual({ code: 0, stdout: '{"result": "success", "session_tag": 1}\n', stderr: '' });
    const half = await getDoc(`/sessions/${fixedId}`);
    expect({ status: half.status, result: half.result, time_end: half.time_end }).toEqual({ status: 'running', result: '', time_end: -1 });
    expect((half.jobs as Record<string, JsonObject>)[jobIds[0]]).toMatchObject({ status: 'completed', result: 'success' });

    const second = await endSession(fixedId, jobIds[1], 1, 'fail');
    expect(second).toEqual({ code: 0, stdout: '{"result": "success", "session_tag": 1}\n', stderr: '' });
    const done = await getDoc(`/sessions/${fixedId}`);
    expect({ tag: done.session_tag, status: done.status, result: done.result }).toEqual({ tag: 1, status: 'completed', result: 'fail' });
    expect(done.time_end).toEqual(expect.any(Number));
    expect((done.jobs as Record<string, JsonObject>)[jobIds[1]]).toMatchObject({ status: 'completed', result: 'fail', time_ended: done.time_end });
    const rows = listTable((await ok(['session-list', '--search', fixedId])).stdout);
    expect(rows).toEqual([{ 'Session ID': fixedId, Description: `fixed id ${tag}`, Status: 'completed', Result: 'fail', '# Jobs': '2' }]);

    const stranger = await endSession(fixedId, `no-such-job-${tag}`, 1, 'success');
    expect({ code: stranger.code, stdout: stranger.stdout, stderr: stranger.stderr.trim() }).toEqual({
      code: 1,
      stdout: '',
      stderr: '[*] Error 400: job_id not found in session',
    });
  });

  it('session-remove-job removes a member (its schedule gets event stop); removing a non-member is a no-op', async () => {
    const { stderr } = await ok(['-v', 'session-remove-job', '--session-id', fixedId, '--job-id', jobIds[1]]);
    expect(stderr).toContain(requestLine('DELETE', `/sessions/${fixedId}/jobs/${jobIds[1]}`, 204));
    expect(stderr).toContain(`Job ${jobIds[1]} removed correctly from session ${fixedId}`);
    const session = await getDoc(`/sessions/${fixedId}`);
    expect(Object.keys(session.jobs as JsonObject)).toEqual([jobIds[0]]);
    const left = await getDoc(`/jobs/${jobIds[1]}`);
    expect({ session_id: left.session_id, session_tag: left.session_tag, event: (left.job_schedule as JsonObject).event }).toEqual({
      session_id: '',
      session_tag: 0,
      event: 'stop',
    });

    const before = await api('GET', `/sessions/${fixedId}`);
    const again = await ok(['-v', 'session-remove-job', '--session-id', fixedId, '--job-id', jobIds[1]]);
    expect(again.stderr).toContain(requestLine('DELETE', `/sessions/${fixedId}/jobs/${jobIds[1]}`, 204));
    const unchanged = await api('GET', `/sessions/${fixedId}`);
    expect({ etag: unchanged.etag, body: unchanged.body }).toEqual({ etag: before.etag, body: before.body });
  });

  it('session-update PATCHes the session from a file; membership and tag are not writable through it', async () => {
    const before = await api('GET', `/sessions/${fixedId}`);
    const file = jsonFile('update.json', { description: `renamed ${tag}`, hold_off: 45, schedule: { schedule_interval: '3 days' }, jobs: {}, session_tag: 9 });
    const { stderr } = await ok(['-v', 'session-update', fixedId, file]);
    expect(stderr).toContain(requestLine('PATCH', `/sessions/${fixedId}`, 200));
    expect(stderr).toContain(`Session ${fixedId} updated`);
    const after = await api('GET', `/sessions/${fixedId}`);
    expect(after.etag).toBe(`"${Number(JSON.parse(before.etag!)) + 1}"`);
    expect(after.body).toEqual({
      ...before.body,
      description: `renamed ${tag}`,
      hold_off: 45,
      schedule: { schedule_interval: '3 days' },
    });
    const shown = showTable((await ok(['session-show', fixedId])).stdout);
    expect({ description: shown.Description, holdOff: shown['Hold off'], tag: shown['Session tag'] }).toEqual({ description: `renamed ${tag}`, holdOff: '45', tag: '1' });
  });

  it('session-delete deletes the session and detaches its remaining member; a second delete says not found', async () => {
    const { stderr } = await ok(['-v', 'session-delete', fixedId]);
    expect(stderr).toContain(requestLine('DELETE', `/sessions/${fixedId}`, 204));
    expect(stderr).toContain(`Session ${fixedId} deleted`);
    expect((await api('GET', `/sessions/${fixedId}`)).status).toBe(404);
    const member = await getDoc(`/jobs/${jobIds[0]}`);
    expect({ session_id: member.session_id, session_tag: member.session_tag }).toEqual({ session_id: '', session_tag: 0 });
    const rows = listTable((await ok(['session-list'])).stdout);
    expect(rows.map((row) => row['Session ID'])).toEqual([createdId]);

    const again = await freezer(['session-delete', fixedId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Session not found');
  });
});
