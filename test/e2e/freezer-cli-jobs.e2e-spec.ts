// SPDX-License-Identifier: Apache-2.0
// The real python-freezerclient 5 CLI (`freezer`, Debian package python3-freezerclient, API v2)
// on jobs and actions, against the compiled service (spec §7, §8, §12). Like freezer-cli.e2e-spec.ts
// it authenticates with the Keystone v3 stand-in (`<user>:<project>` tokens read by the service in
// noauth mode). Each command's output is checked, and the state it leaves through the API.
//
// What the CLI does, from its source (freezerclient/v2/jobs.py, actions.py, managers/*.py):
// * job-create --file F --client C: reads F, sets client_id = C, and POSTs to .../jobs/ or, when F
//   carries a job_id, to .../jobs/<job_id> (replace, an upsert: §8.8). action-create likewise.
// * job-update / action-update ID F: PATCH with the file as body.
// * job-start / job-stop / job-abort ID: POST .../jobs/ID/event {"start"|"stop"|"abort": null}.
// * job-get ID: prints the job to stdout as a Python dict (pprint; --no-format: repr on one line).
//   Not JSON, and no file is written.
// * -v makes it log "Job X created", "Start request sent for job X", ... on stderr.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BOOT_TIMEOUT_MS,
  type CliResult,
  expectSuccess,
  findFreezerCli,
  listTable,
  openStackEnv,
  runFreezer,
  showTable,
  startApiService,
} from '../utils/freezer-cli.js';
import { type Identity, identityHeaders, newIdentity } from '../utils/keystone-headers.js';
import { type KeystoneStandIn, startKeystoneStandIn } from '../utils/keystone-stand-in.js';
import type { ServiceProcess } from '../utils/service-process.js';

type Json = Record<string, unknown>;

const HEX32 = /^[0-9a-f]{32}$/;
// Each test runs several CLI commands (a Python start-up and a Keystone login each).
const TEST_MS = 60_000;

// A Python literal (what job-get prints) as the JSON value it stands for, read by Python itself.
function pythonLiteralToJson(text: string): unknown {
  const json = execFileSync('/usr/bin/python3', ['-c', 'import ast, json, sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))'], {
    input: text,
    encoding: 'utf8',
  });
  return JSON.parse(json);
}

describe('the real freezer CLI (python-freezerclient 5, API v2) on jobs and actions', () => {
  let cli: string;
  let workDir: string;
  let api: { service: ServiceProcess; url: string } | undefined;
  let keystone: KeystoneStandIn | undefined;

  beforeAll(async () => {
    cli = findFreezerCli();
    workDir = mkdtempSync(join(tmpdir(), 'freezer-cli-jobs-'));
    api = await startApiService();
    keystone = await startKeystoneStandIn(api.url);
  }, BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await api?.service.stop(5_000);
    await keystone?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  // The CLI and the API as one user.
  function as(user: Identity) {
    const freezer = (args: string[]): Promise<CliResult> => runFreezer(cli, args, openStackEnv(user, keystone!.url, workDir), api!.url);
    const ok = async (args: string[]): Promise<CliResult> => expectSuccess(args, await freezer(args));
    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; etag: string | null }> => {
      const res = await fetch(`${api!.url}/v2/${user.projectId}${path}`, {
        method,
        headers: { ...identityHeaders(user), 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Json), etag: res.headers.get('etag') };
    };
    return { freezer, ok, call };
  }

  function jsonFile(name: string, doc: unknown): string {
    const path = join(workDir, name);
    writeFileSync(path, JSON.stringify(doc));
    return path;
  }

  describe('jobs', () => {
    const user = newIdentity();
    const { freezer, ok, call } = as(user);
    const tag = user.userId.slice(1, 9);
    const clientA = `${user.projectId}_alpha-${tag}.example.com`;
    const clientB = `${user.projectId}_beta-${tag}`;
    const backupEtc = { action: 'backup', mode: 'fs', backup_name: `etc-${tag}`, path_to_backup: '/etc', container: `c-${tag}`, storage: 'local' };
    const owner = { user_id: user.userId, project_id: user.projectId };
    const jobB = `cli-job-${tag}`;
    let jobA = '';
    let actionA = '';
    let actionB = '';

    async function job(jobId: string): Promise<{ doc: Json; etag: string | null }> {
      const { status, body, etag } = await call('GET', `/jobs/${jobId}`);
      expect(status).toBe(200);
      return { doc: body, etag };
    }

    async function schedule(jobId: string): Promise<{ schedule: unknown; etag: string | null }> {
      const { doc, etag } = await job(jobId);
      return { schedule: doc.job_schedule, etag };
    }

    it('job-create --file without a job_id: the service picks the id; --client sets client_id', async () => {
      const file = jsonFile('job-a.json', {
        description: `nightly etc ${tag}`,
        job_schedule: { schedule_interval: '1 days', schedule_start_date: '2030-01-01T03:00:00', event: 'stop' },
        job_actions: [{ freezer_action: backupEtc, max_retries: 3 }],
      });
      const { stdout, stderr } = await ok(['-v', 'job-create', '--file', file, '--client', clientA]);
      expect(stdout).toBe('');
      jobA = /Job ([0-9a-f]{32}) created/.exec(stderr)?.[1] ?? '';
      expect(jobA).toMatch(HEX32);
      const { doc, etag } = await job(jobA);
      actionA = (doc.job_actions as Json[])[0].action_id as string;
      expect({ doc, etag }).toEqual({
        doc: {
          job_id: jobA,
          ...owner,
          client_id: clientA,
          description: `nightly etc ${tag}`,
          session_id: '',
          session_tag: 0,
          job_schedule: { schedule_interval: '1 days', schedule_start_date: '2030-01-01T03:00:00', event: 'stop', time_created: expect.any(Number), time_started: -1, time_ended: -1 },
          job_actions: [{ freezer_action: backupEtc, max_retries: 3, action_id: expect.stringMatching(HEX32), ...owner }],
        },
        etag: '"1"',
      });
      // the embedded action became an action of the collection (§8.4)
      const action = await call('GET', `/actions/${actionA}`);
      expect({ status: action.status, freezer_action: action.body.freezer_action }).toEqual({ status: 200, freezer_action: backupEtc });
    }, TEST_MS);

    it('job-create --file with a job_id: POSTed to the item URL, so the id is kept (a collection POST ignores it)', async () => {
      const file = jsonFile('job-b.json', {
        job_id: jobB,
        description: `weekly home ${tag}`,
        job_schedule: {},
        job_actions: [{ freezer_action: { action: 'exec', command: 'true' } }],
      });
      const { stderr } = await ok(['-v', 'job-create', '--file', file, '--client', clientB]);
      expect(stderr).toContain(`Job ${jobB} created`);
      const { doc, etag } = await job(jobB);
      actionB = (doc.job_actions as Json[])[0].action_id as string;
      expect({ doc, etag }).toEqual({
        doc: {
          job_id: jobB,
          ...owner,
          client_id: clientB,
          description: `weekly home ${tag}`,
          session_id: '',
          session_tag: 0,
          // a replace stores job_schedule as the file has it: no server times (§8.8)
          job_schedule: {},
          job_actions: [{ freezer_action: { action: 'exec', command: 'true' }, action_id: expect.stringMatching(HEX32), ...owner }],
        },
        etag: '"1"',
      });
    }, TEST_MS);

    it('job-create --file with the job_id of an existing job replaces it (upsert), reusing an equal embedded action', async () => {
      const file = jsonFile('job-a-replace.json', {
        job_id: jobA,
        description: `replaced ${tag}`,
        job_schedule: { schedule_interval: '3 hours' },
        job_actions: [{ action_id: actionA, freezer_action: backupEtc, max_retries: 3 }],
      });
      const { stderr } = await ok(['-v', 'job-create', '--file', file, '--client', clientA]);
      expect(stderr).toContain(`Job ${jobA} created`);
      expect(await job(jobA)).toEqual({
        doc: {
          job_id: jobA,
          ...owner,
          client_id: clientA,
          description: `replaced ${tag}`,
          session_id: '',
          session_tag: 0,
          job_schedule: { schedule_interval: '3 hours' },
          job_actions: [{ freezer_action: backupEtc, max_retries: 3, action_id: actionA, ...owner }],
        },
        etag: '"2"',
      });
    }, TEST_MS);

    it('job-list lists the jobs in creation order; --client keeps one client\'s; --search filters', async () => {
      const row = (id: string, description: string) => ({
        'Job ID': id,
        Description: description,
        '# Actions': '1',
        Result: '',
        Status: '',
        Event: '',
        'Session ID': '',
      });
      expect(listTable((await ok(['job-list'])).stdout)).toEqual([row(jobA, `replaced ${tag}`), row(jobB, `weekly home ${tag}`)]);
      expect(listTable((await ok(['job-list', '--client', clientA])).stdout)).toEqual([row(jobA, `replaced ${tag}`)]);
      expect(listTable((await ok(['job-list', '--client', clientB])).stdout)).toEqual([row(jobB, `weekly home ${tag}`)]);
      expect(listTable((await ok(['job-list', '--client', `${user.projectId}_nobody`])).stdout)).toEqual([]);
      expect(listTable((await ok(['job-list', '--search', `WEEKLY HOME ${tag}`])).stdout)).toEqual([row(jobB, `weekly home ${tag}`)]);
    }, TEST_MS);

    it('job-show prints the job; a missing one is "Job not found"', async () => {
      const shown = showTable((await ok(['job-show', jobA])).stdout);
      expect(shown).toEqual({
        'Job ID': jobA,
        'Client ID': clientA,
        'User ID': user.userId,
        'Session ID': '',
        Description: `replaced ${tag}`,
        Actions: expect.stringContaining(`'action_id': '${actionA}'`),
        'Start Date': '',
        'End Date': '',
        Interval: '3 hours',
        Status: '',
        Result: '',
        'Current pid': '',
        Event: '',
      });
      expect(shown.Actions).toContain(`'backup_name': 'etc-${tag}'`);
      const missing = await freezer(['job-show', `missing-${tag}`]);
      expect({ code: missing.code, stdout: missing.stdout }).toEqual({ code: 1, stdout: '' });
      expect(missing.stderr).toContain('Job not found');
    }, TEST_MS);

    it('job-get prints the job to stdout as a Python dict (pprint; --no-format: one line), not as JSON', async () => {
      const { doc } = await job(jobA);
      const pretty = (await ok(['job-get', jobA])).stdout;
      expect(() => JSON.parse(pretty)).toThrow();
      expect(pretty.startsWith("{'client_id': ")).toBe(true);
      expect(pythonLiteralToJson(pretty)).toEqual(doc);
      const oneLine = (await ok(['job-get', '--no-format', jobA])).stdout;
      expect(oneLine.trimEnd().includes('\n')).toBe(false);
      expect(pythonLiteralToJson(oneLine)).toEqual(doc);
      const missing = await freezer(['job-get', `missing-${tag}`]);
      expect({ code: missing.code, stdout: missing.stdout }).toEqual({ code: 1, stdout: '' });
      expect(missing.stderr).toContain('Job not found');
    }, TEST_MS);

    it('job-update merges the file into the job (PATCH, D7); an invalid file is refused with the service\'s message', async () => {
      const file = jsonFile('job-a-update.json', { description: `updated ${tag}`, job_schedule: { schedule_start_date: '2031-05-01T02:00:00' } });
      const { stderr } = await ok(['-v', 'job-update', jobA, file]);
      expect(stderr).toContain(`Job ${jobA} updated`);
      const { doc, etag } = await job(jobA);
      expect({ description: doc.description, job_schedule: doc.job_schedule, etag }).toEqual({
        description: `updated ${tag}`,
        job_schedule: { schedule_interval: '3 hours', schedule_start_date: '2031-05-01T02:00:00' },
        etag: '"3"',
      });

      const refused = await freezer(['job-update', jobA, jsonFile('job-a-bad.json', { job_schedule: { bogus: 1 } })]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("[*] Error 400: Additional properties are not allowed ('bogus' was unexpected)");
      expect(await job(jobA)).toEqual({ doc, etag: '"3"' });
    }, TEST_MS);

    it('job-start, job-stop and job-abort send the events (§8.10); a repeated start changes nothing', async () => {
      // as the scheduler leaves a finished run (§9.3)
      expect((await call('PATCH', `/jobs/${jobA}`, { job_schedule: { status: 'completed', result: 'fail' } })).status).toBe(200);
      const base = (await schedule(jobA)).schedule as Json;

      expect((await ok(['-v', 'job-start', jobA])).stderr).toContain(`Start request sent for job ${jobA}`);
      expect(await schedule(jobA)).toEqual({ schedule: { ...base, event: 'start', status: '', result: '' }, etag: '"5"' });
      await ok(['job-start', jobA]); // 202 "start already requested"
      expect(await schedule(jobA)).toEqual({ schedule: { ...base, event: 'start', status: '', result: '' }, etag: '"5"' });

      expect((await ok(['-v', 'job-stop', jobA])).stderr).toContain(`Stop request sent for job ${jobA}`);
      expect(await schedule(jobA)).toEqual({ schedule: { ...base, event: 'stop', status: '', result: '' }, etag: '"6"' });

      expect((await ok(['-v', 'job-abort', jobA])).stderr).toContain(`Abort request sent for job ${jobA}`);
      expect(await schedule(jobA)).toEqual({ schedule: { ...base, event: 'abort', status: '', result: '' }, etag: '"7"' });

      const listed = listTable((await ok(['job-list', '--client', clientA])).stdout);
      expect(listed.map((row) => [row['Job ID'], row.Status, row.Event])).toEqual([[jobA, '', 'abort']]);

      const missing = await freezer(['job-start', `missing-${tag}`]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`[*] Error 404: No job found with ID missing-${tag}`);
    }, TEST_MS);

    it('job-delete deletes the job, its actions stay (§8.9); deleting it again still succeeds (v2: 204)', async () => {
      expect((await ok(['-v', 'job-delete', jobB])).stderr).toContain(`Job ${jobB} deleted`);
      expect((await call('GET', `/jobs/${jobB}`)).status).toBe(404);
      expect(listTable((await ok(['job-list'])).stdout).map((row) => row['Job ID'])).toEqual([jobA]);
      const show = await freezer(['job-show', jobB]);
      expect(show.code).toBe(1);
      expect(show.stderr).toContain('Job not found');
      expect((await call('GET', `/actions/${actionB}`)).status).toBe(200);
      expect((await ok(['-v', 'job-delete', jobB])).stderr).toContain(`Job ${jobB} deleted`);
    }, TEST_MS);
  });

  describe('actions', () => {
    const user = newIdentity();
    const { freezer, ok, call } = as(user);
    const tag = user.userId.slice(1, 9);
    const owner = { user_id: user.userId, project_id: user.projectId };
    const backupHome = { action: 'backup', mode: 'fs', backup_name: `home-${tag}`, path_to_backup: '/home', container: `c2-${tag}`, storage: 'local' };
    const execId = `cli-action-${tag}`;
    let backupId = '';

    async function action(actionId: string): Promise<{ doc: Json; etag: string | null }> {
      const { status, body, etag } = await call('GET', `/actions/${actionId}`);
      expect(status).toBe(200);
      return { doc: body, etag };
    }

    it('action-create --file without an action_id: the service picks the id and adds the defaults (D14)', async () => {
      const { stderr } = await ok(['-v', 'action-create', '--file', jsonFile('action-home.json', { freezer_action: backupHome, max_retries: 2 })]);
      backupId = /Action ([0-9a-f]{32}) created/.exec(stderr)?.[1] ?? '';
      expect(backupId).toMatch(HEX32);
      expect(await action(backupId)).toEqual({
        doc: { action_id: backupId, ...owner, freezer_action: backupHome, max_retries: 2, max_retries_interval: 6, mandatory: false },
        etag: '"1"',
      });
    }, TEST_MS);

    it('action-create --file with an action_id: POSTed to the item URL (create or replace, §7.7)', async () => {
      const { stderr } = await ok(['-v', 'action-create', '--file', jsonFile('action-exec.json', { action_id: execId, freezer_action: { action: 'exec', command: 'echo hi' } })]);
      expect(stderr).toContain(`Action ${execId} created`);
      expect(await action(execId)).toEqual({
        doc: { action_id: execId, ...owner, freezer_action: { action: 'exec', command: 'echo hi' }, max_retries: 5, max_retries_interval: 6, mandatory: false },
        etag: '"1"',
      });
      const again = await ok(['-v', 'action-create', '--file', jsonFile('action-exec-2.json', { action_id: execId, freezer_action: { action: 'exec', command: 'echo again' } })]);
      expect(again.stderr).toContain(`Action ${execId} created`);
      const { doc, etag } = await action(execId);
      expect({ freezer_action: doc.freezer_action, etag }).toEqual({ freezer_action: { action: 'exec', command: 'echo again' }, etag: '"2"' });
    }, TEST_MS);

    it('action-list lists the actions in creation order, with the CLI\'s defaults for missing keys; --search filters', async () => {
      const home = { 'Action ID': backupId, Name: `home-${tag}`, Action: 'backup', 'Path to Backup or Restore': '/home', Mode: 'fs', Storage: 'local', snapshot: 'False' };
      const exec = { 'Action ID': execId, Name: '', Action: 'exec', 'Path to Backup or Restore': '', Mode: 'fs', Storage: 'swift', snapshot: 'False' };
      expect(listTable((await ok(['action-list'])).stdout)).toEqual([home, exec]);
      expect(listTable((await ok(['action-list', '--search', `HOME-${tag}`])).stdout)).toEqual([home]);
      expect(listTable((await ok(['action-list', '--search', `no-such-action-${tag}`])).stdout)).toEqual([]);
    }, TEST_MS);

    it('action-show prints the action; a missing one is "Action not found"', async () => {
      expect(showTable((await ok(['action-show', backupId])).stdout)).toEqual({
        'Action ID': backupId,
        Name: `home-${tag}`,
        Action: 'backup',
        Mode: 'fs',
        'Path to Backup or Restore': '/home',
        Storage: 'local',
        Snapshot: 'False',
        Container: `c2-${tag}`,
        Log_file: '',
        Remove_older_than: '365',
        Max_retries_interval: '6',
        Max_retries: '2',
        User_id: user.userId,
        Project_id: user.projectId,
      });
      const missing = await freezer(['action-show', `missing-${tag}`]);
      expect({ code: missing.code, stdout: missing.stdout }).toEqual({ code: 1, stdout: '' });
      expect(missing.stderr).toContain('Action not found');
    }, TEST_MS);

    it('action-update merges the file into the action (PATCH, D7)', async () => {
      const file = jsonFile('action-home-update.json', { freezer_action: { backup_name: `home-renamed-${tag}` }, max_retries: 9 });
      expect((await ok(['-v', 'action-update', backupId, file])).stderr).toContain(`Action ${backupId} updated`);
      expect(await action(backupId)).toEqual({
        doc: { action_id: backupId, ...owner, freezer_action: { ...backupHome, backup_name: `home-renamed-${tag}` }, max_retries: 9, max_retries_interval: 6, mandatory: false },
        etag: '"2"',
      });
    }, TEST_MS);

    it('action-delete deletes the action: gone from action-show, action-list and the API', async () => {
      expect((await ok(['-v', 'action-delete', backupId])).stderr).toContain(`Action ${backupId} deleted`);
      expect((await call('GET', `/actions/${backupId}`)).status).toBe(404);
      const show = await freezer(['action-show', backupId]);
      expect(show.code).toBe(1);
      expect(show.stderr).toContain('Action not found');
      expect(listTable((await ok(['action-list'])).stdout).map((row) => row['Action ID'])).toEqual([execId]);
    }, TEST_MS);
  });
});
