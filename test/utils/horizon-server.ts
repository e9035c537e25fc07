// SPDX-License-Identifier: Apache-2.0
// The real OpenStack dashboard for the e2e tests: Debian's Horizon 23 (openstack-dashboard) with
// Debian's freezer-web-ui 13 plugin (python3-freezer-web-ui), served by Django's development
// server on a loopback port. Nothing of the system is changed: the plugin is copied to a temporary
// directory (and patched there when asked), and the settings come from a private `local_settings`
// module that shadows /etc/openstack-dashboard/local_settings.py on PYTHONPATH.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from './service-process.js';

const PYTHON = '/usr/bin/python3';
const MANAGE = '/usr/share/openstack-dashboard/manage.py';
const PLUGIN = '/usr/lib/python3/dist-packages/disaster_recovery';
const START_TIMEOUT_MS = 60_000;

export interface HorizonOptions {
  // Keystone's v3 endpoint, http://host:port/v3
  keystoneUrl: string;
  // a unified diff against the plugin (paths a/disaster_recovery/...), applied to the private copy
  patch?: string;
}

export interface HorizonServer {
  url: string;
  // Django's log so far (requests, tracebacks)
  output(): string;
  stop(): Promise<void>;
  startMs: number;
}

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { cwd, timeout: START_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}\n${stdout}`));
      else resolveRun();
    });
  });
}

// Horizon's Debian settings read local_settings.py from /etc and then run the snippets of
// local_settings.d (compressed static files, cache); this module takes the place of the former.
function localSettings(keystoneUrl: string): string {
  return [
    'from openstack_dashboard.settings import HORIZON_CONFIG',
    'DEBUG = False',
    "ALLOWED_HOSTS = ['127.0.0.1']",
    `SECRET_KEY = ${JSON.stringify(`e2e-${process.pid}-${Date.now()}`)}`,
    `OPENSTACK_KEYSTONE_URL = ${JSON.stringify(keystoneUrl)}`,
    "TIME_ZONE = 'UTC'",
    // Without Nova the default landing page answers 403: land on the plugin's Jobs panel.
    "HORIZON_CONFIG['user_home'] = '/disaster_recovery/'",
    '',
  ].join('\n');
}

export async function startHorizon(options: HorizonOptions): Promise<HorizonServer> {
  const started = Date.now();
  for (const [path, pkg] of [
    [MANAGE, 'openstack-dashboard'],
    [PLUGIN, 'python3-freezer-web-ui'],
  ]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: install Debian's ${pkg} package (apt-get install -y ${pkg})`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'horizon-'));
  const pythonPath = join(dir, 'python');
  mkdirSync(join(pythonPath, 'local'), { recursive: true });
  cpSync(PLUGIN, join(pythonPath, 'disaster_recovery'), { recursive: true, filter: (source) => basename(source) !== '__pycache__' });
  if (options.patch) await run('patch', ['-p1', '--batch', '--forward', '--quiet', '-i', options.patch], pythonPath);
  writeFileSync(join(pythonPath, 'local', '__init__.py'), '');
  writeFileSync(join(pythonPath, 'local', 'local_settings.py'), localSettings(options.keystoneUrl));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let text = '';
  const child: ChildProcess = spawn(PYTHON, [MANAGE, 'runserver', `127.0.0.1:${port}`, '--insecure', '--noreload'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      PYTHONPATH: pythonPath,
      PYTHONDONTWRITEBYTECODE: '1',
      // the plugin's Django 4 deprecation warnings, one per translated string
      PYTHONWARNINGS: 'ignore',
      DJANGO_SETTINGS_MODULE: 'openstack_dashboard.settings',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Horizon exited with ${child.exitCode}:\n${text}`);
      try {
        const response = await fetch(`${url}/auth/login/`, { signal: AbortSignal.timeout(5_000) });
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Horizon did not answer at ${url} within ${START_TIMEOUT_MS} ms:\n${text}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => text, stop, startMs: Date.now() - started };
}
