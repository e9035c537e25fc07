// SPDX-License-Identifier: Apache-2.0
// The real OpenStack dashboard against this service: Debian's Horizon 23 with Debian's
// freezer-web-ui 13 plugin (patched in a private copy with contrib/horizon/), a real Keystone whose
// catalog names the service (`freezer`, type `backup`), the service in AUTH_MODE=keystone, and
// Debian's Chromium (driven by playwright-core) logged in as a project member. Every panel, detail
// page and workflow of the plugin is used as a person would, each step checked through the API,
// and every request the dashboard makes of the service must get the answer the flow expects.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildBackupDoc } from '../factories/backup.factory.js';
import { launchChromium } from '../utils/chromium.js';
import { startApiService } from '../utils/freezer-cli.js';
import { type HorizonServer, startHorizon } from '../utils/horizon-server.js';
import { KEYSTONE_START_TIMEOUT_MS, type KeystoneServer, keystoneAuthEnv, PASSWORD, startKeystone } from '../utils/keystone-server.js';
import { freePort, type ServiceProcess } from '../utils/service-process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PLUGIN_PATCH = resolve(ROOT, 'contrib/horizon/freezer-web-ui-13.0.0-python3.patch');
// The screenshot of the Jobs panel in the README, refreshed by FREEZER_SCREENSHOT=1.
const SCREENSHOT = resolve(ROOT, 'docs/horizon-jobs-panel.png');
// a bound on one browser step (a page load, a modal workflow), not a timing expectation
const STEP_MS = 30_000;
const HEX_ID = /^[0-9a-f]{32}$/;

type Doc = Record<string, unknown>;

// One request of the dashboard (python-requests, through freezerclient) as the service logged it.
interface DashboardRequest {
  method: string;
  path: string;
  status: number;
}

// An expected request: the path below /v2/{project_id}/, `*` standing for one id.
type Expected = [method: string, path: string, status: number];

describe('Horizon with the freezer-web-ui plugin, in Chromium', () => {
  let keystone: KeystoneServer;
  let api: { service: ServiceProcess; url: string };
  let horizon: HorizonServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let token: string;
  let project: string;
  let logMark = 0;
  const horizonErrors: string[] = [];

  // the seeded documents
  let clientId: string;
  let actionId: string;
  let secondActionId: string;
  let backupId: string;
  let backupName: string;
  let seededJobId: string;
  let sessionId: string;
  const times: Record<string, number> = {};

  beforeAll(async () => {
    const started = Date.now();
    // Horizon needs only Keystone's address to start: both start at once
    const keystonePort = await freePort();
    const horizonStarting = startHorizon({ keystoneUrl: `http://127.0.0.1:${keystonePort}/v3`, patch: PLUGIN_PATCH });
    try {
      keystone = await startKeystone({ cache: true, port: keystonePort });
    } finally {
      horizon = await horizonStarting;
    }
    api = await startApiService({ ...keystoneAuthEnv(keystone), LOG_FORMAT: 'json' });
    // the dashboard finds the service through the catalog, as in a cloud
    await keystone.registerService('freezer', 'backup', api.url);
    times.setup = Date.now() - started;
    times.keystone = keystone.startMs;
    times.horizon = horizon.startMs;
    project = keystone.alice.projectId;
    token = await keystone.token(keystone.alice);
    await seed();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(STEP_MS);
    page = await context.newPage();
    // A 5xx from the dashboard fails the step (a plugin bug, or a service answer the plugin could
    // not handle).
    page.on('response', (response) => {
      if (response.status() >= 500) {
        // with the end of Horizon's log, which holds the traceback
        horizonErrors.push(`${response.status()} ${response.request().method()} ${response.url()}\n${horizon.output().slice(-4000)}`);
      }
    });
    page.on('pageerror', (error) => horizonErrors.push(`page error: ${error.message}`));
  }, KEYSTONE_START_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    process.stdout.write(`dashboard test: ${JSON.stringify(times)} ms\n`);
    await context?.close();
    await browser?.close();
    await horizon?.stop();
    await api?.service.stop(5_000);
    await keystone?.cleanup();
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Doc }> {
    const response = await fetch(`${api.url}/v2/${project}/${path}`, {
      method,
      headers: { accept: 'application/json', 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Doc) : {} };
  }

  async function created(path: string, body: Doc, key: string): Promise<string> {
    const response = await call('POST', path, body);
    expect(response.status).toBe(201);
    return response.body[key] as string;
  }

  async function get(path: string): Promise<Doc> {
    const response = await call('GET', path);
    expect(response.status).toBe(200);
    return response.body;
  }

  async function list(kind: string): Promise<Doc[]> {
    return (await get(`${kind}?limit=1000`))[kind] as Doc[];
  }

  async function seed(): Promise<void> {
    clientId = `${project}_node1.example.com`;
    await created('clients', { client_id: clientId, hostname: 'node1.example.com', uuid: '0f3a5b7c9d1e4f60a2b4c6d8e0f1a3b5' }, 'client_id');
    await created('clients', { client_id: `${project}_node2.example.com`, hostname: 'node2.example.com' }, 'client_id');
    actionId = await created(
      'actions',
      { freezer_action: { action: 'backup', backup_name: 'etc-nightly', path_to_backup: '/etc', storage: 'swift', container: 'etc-backups', mode: 'fs' } },
      'action_id',
    );
    secondActionId = await created(
      'actions',
      { freezer_action: { action: 'backup', backup_name: 'db-dump', mode: 'mysql', mysql_conf: '/etc/mysql/backup.cnf', storage: 'swift', container: 'db-backups' } },
      'action_id',
    );
    seededJobId = await created(
      'jobs',
      {
        description: 'seeded-mysql-dump',
        client_id: clientId,
        job_schedule: { schedule_interval: '1 days' },
        job_actions: [{ action_id: actionId, freezer_action: { action: 'backup', backup_name: 'etc-nightly', path_to_backup: '/etc', storage: 'swift', container: 'etc-backups', mode: 'fs' } }],
      },
      'job_id',
    );
    backupName = 'etc-nightly';
    backupId = await created(
      'backups',
      buildBackupDoc({ backup_name: backupName, container: 'etc-backups', hostname: 'node1.example.com', storage: 'swift', time_stamp: 1767225600 }),
      'backup_id',
    );
    await created('backups', buildBackupDoc({ backup_name: 'var-weekly', hostname: 'node2.example.com', time_stamp: 1767830400 }), 'backup_id');
    sessionId = await created('sessions', { description: 'seeded-window', schedule: { schedule_interval: '7 days' } }, 'session_id');
  }

  // The dashboard's requests (python-requests) logged by the service since the last step.
  function dashboardRequests(): DashboardRequest[] {
    const text = api.service.output();
    const lines = text.slice(logMark).split('\n');
    const requests: DashboardRequest[] = [];
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { context?: string; method?: string; path?: string; status?: number; user_agent?: string };
        if (entry.context === 'HTTP' && entry.user_agent?.startsWith('python-requests') && entry.method && entry.path && entry.status) {
          requests.push({ method: entry.method, path: entry.path, status: entry.status });
        }
      } catch {
        // a line still being written
      }
    }
    return requests;
  }

  function matches(request: DashboardRequest, [method, path, status]: Expected): boolean {
    const pattern = new RegExp(`^/v2/${project}/${path.replace(/\*/g, '[^/]+')}/?$`);
    return request.method === method && request.status === status && pattern.test(request.path);
  }

  // Runs one step of the dashboard and then checks what it asked of the service: each expected
  // request arrived with its status, and no request got an error status that is not expected.
  async function step(name: string, expected: Expected[], action: () => Promise<void>): Promise<DashboardRequest[]> {
    const started = Date.now();
    logMark = api.service.output().length;
    horizonErrors.length = 0;
    await action();
    // the access log line is written as the answer goes out: wait for the expected ones to show
    const deadline = Date.now() + 10_000;
    let seen = dashboardRequests();
    while (!expected.every((e) => seen.some((r) => matches(r, e))) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = dashboardRequests();
    }
    const missing = expected.filter((e) => !seen.some((r) => matches(r, e)));
    const unexpected = seen.filter((r) => r.status >= 300 && !expected.some((e) => matches(r, e)));
    expect({ step: name, missing, unexpected, horizonErrors }).toEqual({ step: name, missing: [], unexpected: [], horizonErrors: [] });
    times[name] = Date.now() - started;
    return seen;
  }

  async function open(path: string): Promise<void> {
    const response = await page.goto(`${horizon.url}${path}`);
    expect(response?.status()).toBe(200);
  }

  // Horizon's flash message after a workflow or a table action.
  async function expectSuccess(text: string | RegExp): Promise<void> {
    await page.locator('.alert-success', { hasText: text }).first().waitFor();
    expect(await page.locator('.alert-danger').allInnerTexts()).toEqual([]);
  }

  function row(table: string, id: string) {
    return page.locator(`tr[id="${table}__row__${id}"]`);
  }

  // A row action: the first is a button of its own, the others are in the row's drop-down.
  async function rowAction(table: string, id: string, action: string): Promise<void> {
    const button = page.locator(`[id="${table}__row_${id}__action_${action}"]`);
    if (!(await button.isVisible())) await row(table, id).locator('.dropdown-toggle').click();
    await button.click();
  }

  async function confirmDelete(): Promise<void> {
    await page.locator('.modal-footer .btn-danger, .modal-footer .btn-primary').first().click();
  }

  // A panel's Delete row action, confirmed: the document is gone from the API afterwards.
  async function deleteFromPanel(name: string, panel: string, table: string, id: string, apiPath: string, message: RegExp): Promise<void> {
    await step(name, [['DELETE', apiPath, 204]], async () => {
      await open(panel);
      await rowAction(table, id, 'delete');
      await confirmDelete();
      await expectSuccess(message);
    });
    expect((await call('GET', apiPath)).status).toBe(404);
  }

  // Actions are picked by dragging them into the "selected" list (jQuery UI sortable): a real
  // press, move and release, in small steps as a hand would.
  async function dragAction(name: string): Promise<void> {
    const item = page.locator('#actions_available li', { hasText: name });
    await item.waitFor();
    const from = (await item.boundingBox())!;
    const to = (await page.locator('#actions_selected').boundingBox())!;
    // below the actions already selected: the new one runs last
    const [x0, y0, x1, y1] = [from.x + 10, from.y + from.height / 2, to.x + 20, to.y + to.height - 10];
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(x0 + ((x1 - x0) * i) / 10, y0 + ((y1 - y0) * i) / 10);
    await page.mouse.up();
    await page.locator('#actions_selected li', { hasText: name }).waitFor();
  }

  // A panel's search box: the dashboard sends it as a free-text search ({"match": [{"_all": ...}]})
  // and shows what the service found; then the search is cleared.
  async function search(name: string, table: string, text: string, expectedIds: string[], kind: string): Promise<void> {
    const rows = page.locator(`table#${table} tbody tr[data-object-id]`);
    const idsShown = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-object-id') ?? ''));
    const filteredOut = (await idsShown()).filter((id) => !expectedIds.includes(id));
    expect(filteredOut.length).toBeGreaterThan(0);
    await step(name, [['GET', kind, 200]], async () => {
      await page.fill(`input[name="${table}__filter__q"]`, text);
      await page.click(`[id="${table}__action_filter"]`);
      for (const id of filteredOut) await row(table, id).waitFor({ state: 'detached' });
    });
    await expect(idsShown()).resolves.toEqual(expectedIds);
    // Horizon keeps a panel's search in the login session: clear it, as the next visitor expects
    await step(`${name} cleared`, [['GET', kind, 200]], async () => {
      await page.fill(`input[name="${table}__filter__q"]`, '');
      await page.click(`[id="${table}__action_filter"]`);
      for (const id of filteredOut) await row(table, id).waitFor();
    });
  }

  async function jobsNamed(description: string): Promise<Doc[]> {
    return (await list('jobs')).filter((job) => job.description === description);
  }

  it('logs in with Keystone as a project member and lands on the Jobs panel listing the seeded job', async () => {
    await step('login', [['GET', 'jobs', 200]], async () => {
      await open('/auth/login/');
      await page.fill('#id_username', keystone.alice.name);
      await page.fill('#id_password', PASSWORD);
      await Promise.all([page.waitForURL(`${horizon.url}/disaster_recovery/`), page.click('#loginBtn')]);
    });
    await expect(row('jobs', seededJobId).locator('td').nth(1).innerText()).resolves.toBe('seeded-mysql-dump');
    // the host column shows the client id without the project prefix
    await expect(row('jobs', seededJobId).locator('td').nth(2).innerText()).resolves.toBe('node1.example.com');
  });

  it('lists the seeded actions, sessions, clients and backups in their panels', async () => {
    await step('actions panel', [['GET', 'actions', 200]], () => open('/disaster_recovery/actions/'));
    await expect(row('actions_table', actionId).innerText()).resolves.toMatch(/etc-nightly\s+backup\s+\/etc\s+swift\s+fs/);
    await search('actions search', 'actions_table', 'db-dump', [secondActionId], 'actions');

    await step('sessions panel', [['GET', 'sessions', 200]], () => open('/disaster_recovery/sessions/'));
    await expect(row('sessions', sessionId).innerText()).resolves.toContain('seeded-window');

    await step('clients panel', [['GET', 'clients', 200]], () => open('/disaster_recovery/clients/'));
    await expect(row('clients', clientId).innerText()).resolves.toMatch(/node1\.example\.com/);
    await expect(page.locator('table#clients tbody tr').count()).resolves.toBe(2);
    await search('clients search', 'clients', 'node2', [`${project}_node2.example.com`], 'clients');

    await step('backups panel', [['GET', 'backups', 200]], () => open('/disaster_recovery/backups/'));
    await expect(row('backups', backupId).innerText()).resolves.toMatch(/etc-nightly\s+node1\.example\.com\s+01\/01\/2026/);
    await expect(page.locator('table#backups tbody tr').count()).resolves.toBe(2);
    await search('backups search', 'backups', 'etc-nightly', [backupId], 'backups');
  });

  it('shows the detail page of a job, an action, a client and a backup', async () => {
    await step('job detail', [['GET', `jobs/${seededJobId}`, 200]], () => open(`/disaster_recovery/${seededJobId}`));
    await expect(page.locator(`table#actions_in_job tbody tr`).first().innerText()).resolves.toMatch(/backup\s+etc-nightly/);

    await step('action detail', [['GET', `actions/${actionId}`, 200]], () => open(`/disaster_recovery/actions/action/${actionId}`));
    await expect(page.locator('pre').innerText()).resolves.toContain(`'action_id': '${actionId}'`);

    await step('client detail', [['GET', `clients/${clientId}`, 200]], () => open(`/disaster_recovery/clients/${clientId}`));
    await expect(page.locator('pre').innerText()).resolves.toContain("'hostname': 'node1.example.com'");

    await step('backup detail', [['GET', 'backups', 200]], () => open(`/disaster_recovery/backups/${backupId}`));
    await expect(page.locator('pre').innerText()).resolves.toContain(`'backup_id': '${backupId}'`);
  });

  let createdJobId: string;

  it('creates a job for a client with an action (Create Job), stopped until started', async () => {
    await step(
      'job create',
      [
        ['GET', 'clients', 200],
        ['GET', `actions/${actionId}`, 200],
        ['POST', 'jobs', 201],
        ['POST', 'jobs/*/event', 202],
      ],
      async () => {
        await open('/disaster_recovery/');
        await page.click('text=Create Job');
        const modal = page.locator('.modal');
        await modal.locator('#id_description').fill('nightly-etc');
        await modal.locator('#id_interval_uint').selectOption('days');
        await modal.locator('#id_interval_value').fill('2');
        await modal.locator('a[data-target="#job__selected_clients"]').click();
        await modal.locator('li.member', { hasText: 'node1.example.com' }).locator('xpath=following-sibling::li[contains(@class,"active")]/a').click();
        await modal.locator('ul.members li.member', { hasText: 'node1.example.com' }).waitFor();
        await modal.locator('a[data-target="#job__actions"]').click();
        await dragAction('etc-nightly');
        await modal.locator('input[type=submit]').click();
        await expectSuccess('Job queued correctly');
      },
    );
    const [job] = await jobsNamed('nightly-etc');
    createdJobId = job.job_id as string;
    expect(createdJobId).toMatch(HEX_ID);
    expect(job).toMatchObject({
      client_id: clientId,
      job_schedule: { schedule_interval: '2 days', event: 'stop' },
      job_actions: [{ action_id: actionId, freezer_action: { action: 'backup', backup_name: 'etc-nightly', path_to_backup: '/etc' } }],
    });
    await expect(row('jobs', createdJobId).innerText()).resolves.toMatch(/nightly-etc\s+node1\.example\.com\s+stop/);
  });

  it('edits the job (Edit Job)', async () => {
    await step('job edit', [['GET', `jobs/${createdJobId}`, 200], ['PATCH', `jobs/${createdJobId}`, 200]], async () => {
      await rowAction('jobs', createdJobId, 'edit');
      const modal = page.locator('.modal');
      await modal.locator('#id_description').fill('nightly-etc-renamed');
      await modal.locator('#id_schedule_interval').fill('12 hours');
      await modal.locator('input[type=submit]').click();
      await expectSuccess('Job updated correctly');
    });
    const job = await get(`jobs/${createdJobId}`);
    expect(job).toMatchObject({ description: 'nightly-etc-renamed', client_id: clientId, job_schedule: { schedule_interval: '12 hours', event: 'stop' } });
    expect((job.job_actions as Doc[]).map((a) => a.action_id)).toEqual([actionId]);
  });

  it('changes the actions of the job (Edit Actions, opened as a page of its own) and removes one on the job page', async () => {
    await step('job edit actions', [['GET', `actions/${secondActionId}`, 200], ['PATCH', `jobs/${createdJobId}`, 200]], async () => {
      // as when opened in a new tab: the workflow is a page, not a modal
      const href = await page.locator(`[id="jobs__row_${createdJobId}__action_edit_actions_in_job"]`).getAttribute('href');
      await open(href!);
      await page.locator('#actions_selected li', { hasText: 'etc-nightly' }).waitFor();
      await dragAction('db-dump');
      await page.locator('input[type=submit]').click();
      await expectSuccess('Actions updated correctly');
    });
    const job = await get(`jobs/${createdJobId}`);
    expect((job.job_actions as Doc[]).map((a) => [a.action_id, (a.freezer_action as Doc).backup_name])).toEqual([
      [actionId, 'etc-nightly'],
      [secondActionId, 'db-dump'],
    ]);
    expect(job).toMatchObject({ description: 'nightly-etc-renamed', job_schedule: { schedule_interval: '12 hours', event: 'stop' } });

    await step('job remove action', [['GET', `jobs/${createdJobId}`, 200], ['PATCH', `jobs/${createdJobId}`, 200]], async () => {
      await open(`/disaster_recovery/${createdJobId}`);
      await rowAction('actions_in_job', `${secondActionId}===${createdJobId}`, 'delete');
      await confirmDelete();
      await expectSuccess(/Deleted action/i);
    });
    expect(((await get(`jobs/${createdJobId}`)).job_actions as Doc[]).map((a) => a.action_id)).toEqual([actionId]);
    // the action itself stays
    await expect(get(`actions/${secondActionId}`)).resolves.toMatchObject({ freezer_action: { backup_name: 'db-dump' } });
  });

  it('starts and stops the job (Start Job, Stop Job)', async () => {
    await step('job start', [['POST', `jobs/${createdJobId}/event`, 202]], async () => {
      await open('/disaster_recovery/');
      await rowAction('jobs', createdJobId, 'start_job');
      await expectSuccess('Job has started');
    });
    await expect(get(`jobs/${createdJobId}`)).resolves.toMatchObject({ job_schedule: { event: 'start' } });
    // The panel's Status column is the scheduler's status, and it offers Stop Job only for a job
    // the scheduler has taken on: do as freezer-scheduler does when it schedules the job.
    expect((await call('PATCH', `jobs/${createdJobId}`, { job_schedule: { status: 'scheduled' } })).status).toBe(200);

    await step('job stop', [['GET', 'jobs', 200], ['POST', `jobs/${createdJobId}/event`, 202]], async () => {
      await open('/disaster_recovery/');
      await expect(row('jobs', createdJobId).innerText()).resolves.toMatch(/nightly-etc-renamed\s+node1\.example\.com\s+scheduled/);
      await rowAction('jobs', createdJobId, 'stop_job');
      await expectSuccess('Job has stopped');
    });
    await expect(get(`jobs/${createdJobId}`)).resolves.toMatchObject({ job_schedule: { event: 'stop' } });
  });

  it('clones the job (Clone Job): a stopped copy with the same actions', async () => {
    await step('job clone', [['GET', `jobs/${createdJobId}`, 200], ['POST', 'jobs', 201], ['POST', 'jobs/*/event', 202]], async () => {
      await rowAction('jobs', createdJobId, 'clone');
      await page.locator('table#jobs tbody tr', { hasText: 'nightly-etc-renamed_clone' }).waitFor();
    });
    const [clone] = await jobsNamed('nightly-etc-renamed_clone');
    expect(clone.job_id).not.toBe(createdJobId);
    expect(clone).toMatchObject({ client_id: clientId, job_schedule: { schedule_interval: '12 hours', event: 'stop' } });
    expect((clone.job_actions as Doc[]).map((a) => a.action_id)).toEqual([actionId]);
  });

  it('creates and edits a session, attaches the job, shows it in the session, detaches it and deletes the session', async () => {
    await step('session create', [['POST', 'sessions', 201]], async () => {
      await open('/disaster_recovery/sessions/');
      await page.click('text=Create Session');
      const modal = page.locator('.modal');
      await modal.locator('#id_description').fill('night-window');
      await modal.locator('#id_schedule_interval').fill('1 days');
      await modal.locator('input[type=submit]').click();
      await page.locator('table#sessions tbody tr', { hasText: 'night-window' }).waitFor();
    });
    const session = (await list('sessions')).find((s) => s.description === 'night-window')!;
    expect(session).toMatchObject({ schedule: { schedule_interval: '1 days' }, jobs: {} });
    const newSessionId = session.session_id as string;

    await step('session edit', [['GET', `sessions/${newSessionId}`, 200], ['PATCH', `sessions/${newSessionId}`, 200]], async () => {
      await rowAction('sessions', newSessionId, 'edit_session');
      const modal = page.locator('.modal');
      await expect(modal.locator('#id_schedule_interval').inputValue()).resolves.toBe('1 days');
      await modal.locator('#id_description').fill('night-window-2');
      await modal.locator('#id_schedule_interval').fill('2 days');
      await modal.locator('input[type=submit]').click();
      await page.locator('table#sessions tbody tr', { hasText: 'night-window-2' }).waitFor();
    });
    await expect(get(`sessions/${newSessionId}`)).resolves.toMatchObject({ description: 'night-window-2', schedule: { schedule_interval: '2 days' } });

    await step('session attach', [['PUT', `sessions/${newSessionId}/jobs/${createdJobId}`, 204]], async () => {
      await open('/disaster_recovery/');
      await rowAction('jobs', createdJobId, 'attach_job_to_session');
      const modal = page.locator('.modal');
      await modal.locator('#id_session_id').selectOption(newSessionId);
      await modal.locator('input[type=submit]').click();
      await expectSuccess('Job attached successfully');
    });
    await expect(get(`jobs/${createdJobId}`)).resolves.toMatchObject({ session_id: newSessionId });
    expect(Object.keys((await get(`sessions/${newSessionId}`)).jobs as Doc)).toEqual([createdJobId]);

    await step('session detail', [['GET', `sessions/${newSessionId}`, 200]], () => open(`/disaster_recovery/sessions/${newSessionId}`));
    const member = row('jobs', `${createdJobId}===${newSessionId}`);
    await expect(member.innerText()).resolves.toContain(clientId);

    await step('session detach', [['DELETE', `sessions/${newSessionId}/jobs/${createdJobId}`, 204]], async () => {
      await rowAction('jobs', `${createdJobId}===${newSessionId}`, 'delete_job_from_session');
      await confirmDelete();
      await expectSuccess(/Deleted Job/);
    });
    expect((await get(`sessions/${newSessionId}`)).jobs).toEqual({});
    await expect(get(`jobs/${createdJobId}`)).resolves.toMatchObject({ session_id: '' });

    await deleteFromPanel('session delete', '/disaster_recovery/sessions/', 'sessions', newSessionId, `sessions/${newSessionId}`, /Deleted Session/);
  });

  it('deletes the job (Delete Job File)', async () => {
    await deleteFromPanel('job delete', '/disaster_recovery/', 'jobs', createdJobId, `jobs/${createdJobId}`, /Deleted Job File/);
    await expect(row('jobs', createdJobId).count()).resolves.toBe(0);
  });

  it('creates, edits and deletes an action (Create Action, Edit, Delete Action)', async () => {
    await step('action create', [['POST', 'actions', 201]], async () => {
      await open('/disaster_recovery/actions/');
      await page.click('text=Create Action');
      const modal = page.locator('.modal');
      await modal.locator('#id_backup_name').fill('home dirs');
      await modal.locator('#id_action').selectOption('backup');
      await modal.locator('#id_mode').selectOption('fs');
      await modal.locator('#id_storage').selectOption('local');
      await modal.locator('#id_path_to_backup').fill('/home');
      await modal.locator('#id_container').fill('/srv/backups');
      await modal.locator('input[type=submit]').click();
      await expectSuccess('Action queued correctly');
    });
    // the dashboard replaces the blanks of the name (the agent's tar metadata cannot hold them)
    const action = (await list('actions')).find((a) => (a.freezer_action as Doc).backup_name === 'home_dirs')!;
    expect(action.freezer_action).toMatchObject({ action: 'backup', mode: 'fs', storage: 'local', path_to_backup: '/home', container: '/srv/backups' });
    const newActionId = action.action_id as string;

    await step('action edit', [['GET', `actions/${newActionId}`, 200], ['PATCH', `actions/${newActionId}`, 200]], async () => {
      await rowAction('actions_table', newActionId, 'edit_action');
      const modal = page.locator('.modal');
      await expect(modal.locator('#id_path_to_backup').inputValue()).resolves.toBe('/home');
      await modal.locator('#id_path_to_backup').fill('/home/alice');
      await modal.locator('input[type=submit]').click();
      await expectSuccess('Action queued correctly');
    });
    await expect(get(`actions/${newActionId}`)).resolves.toMatchObject({ freezer_action: { path_to_backup: '/home/alice', storage: 'local' } });

    await deleteFromPanel('action delete', '/disaster_recovery/actions/', 'actions_table', newActionId, `actions/${newActionId}`, /Deleted Action/);
  });

  it('restores a backup (Restore): a restore action and a started job for the chosen client', async () => {
    await step('backup restore', [['POST', 'actions', 201], ['POST', 'jobs', 201], ['POST', 'jobs/*/event', 202]], async () => {
      await open('/disaster_recovery/backups/');
      await rowAction('backups', backupId, 'restore');
      const modal = page.locator('.modal');
      await modal.locator(`input[name=client][value="${clientId}"]`).check();
      await modal.locator('#id_path').fill('/srv/restore');
      await modal.locator('input[type=submit]').click();
      await expectSuccess('Restore job successfully queued');
    });
    const description = `Restore ${backupName} for ${clientId}`;
    const [job] = await jobsNamed(description);
    expect(job).toMatchObject({
      client_id: clientId,
      job_schedule: { event: 'start' },
      job_actions: [
        {
          freezer_action: {
            action: 'restore',
            backup_name: backupName,
            restore_abs_path: '/srv/restore',
            container: 'etc-backups',
            restore_from_host: 'node1.example.com',
            storage: 'swift',
          },
        },
      ],
    });
    const restoreActionId = (job.job_actions as Doc[])[0].action_id as string;
    await expect(get(`actions/${restoreActionId}`)).resolves.toMatchObject({ freezer_action: { action: 'restore', restore_abs_path: '/srv/restore' } });
  });

  it('deletes a backup and a client (Delete Backup, Delete Client)', async () => {
    await deleteFromPanel('backup delete', '/disaster_recovery/backups/', 'backups', backupId, `backups/${backupId}`, /Deleted Backup/);
    await deleteFromPanel('client delete', '/disaster_recovery/clients/', 'clients', clientId, `clients/${clientId}`, /Deleted Client/);
  });

  it('leaves the Jobs panel listing the jobs with their host, status and result', async () => {
    await step('jobs panel', [['GET', 'jobs', 200]], () => open('/disaster_recovery/'));
    const names = await page.locator('table#jobs tbody tr td:nth-child(2)').allInnerTexts();
    expect(names.sort()).toEqual(['Restore etc-nightly for ' + clientId, 'nightly-etc-renamed_clone', 'seeded-mysql-dump'].sort());
    if (process.env.FREEZER_SCREENSHOT === '1') {
      mkdirSync(resolve(ROOT, 'docs'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    }
  });
});
