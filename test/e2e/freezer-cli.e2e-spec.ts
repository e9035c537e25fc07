// SPDX-License-Identifier: Apache-2.0
// The real python-freezerclient 5 CLI (`freezer`, Debian package python3-freezerclient, API v2)
// against the compiled service started as `node dist/src/main.js`, as an operator would run both.
// The CLI always authenticates with Keystone v3 first (keystoneauth1 password plugin: GET <auth
// url> discovery, then POST /v3/auth/tokens), so a small stand-in issues `<user>:<project>` tokens,
// which the service in noauth mode reads as that identity (spec D15, §3.5). Checks spec §12.
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
import { newIdentity } from '../utils/keystone-headers.js';
import { startKeystoneStandIn, type KeystoneStandIn } from '../utils/keystone-stand-in.js';
import type { ServiceProcess } from '../utils/service-process.js';

describe('the real freezer CLI (python-freezerclient 5, API v2) against the running service', () => {
  const identity = newIdentity();
  const tag = identity.userId.slice(1, 9);
  const clientA = { client_id: `${identity.projectId}_alpha-${tag}`, hostname: `alpha-${tag}.example.com`, description: 'first node' };
  const clientB = { client_id: `${identity.projectId}_beta-${tag}`, hostname: `beta-${tag}.example.com`, description: 'second node' };
  // time_stamp is required by backup-list (it renders it as a date); TZ=UTC below fixes the rendering.
  const backupEtc = {
    backup_name: `nightly-etc-${tag}`, container: `freezer_etc_${tag}`, hostname: clientA.hostname,
    path_to_backup: '/etc', time_stamp: 1764428400, curr_backup_level: 0, level: 0, mode: 'fs',
  };
  const backupHome = {
    backup_name: `weekly-home-${tag}`, container: `freezer_home_${tag}`, hostname: clientB.hostname,
    path_to_backup: '/home', time_stamp: 1764500000, curr_backup_level: 1, level: 1, mode: 'fs',
  };

  let cli: string;
  let workDir: string;
  let service: { service: ServiceProcess; url: string } | undefined;
  let keystone: KeystoneStandIn | undefined;
  const backupIds: Record<'etc' | 'home', string> = { etc: '', home: '' };

  beforeAll(async () => {
    cli = findFreezerCli();
    workDir = mkdtempSync(join(tmpdir(), 'freezer-cli-'));
    service = await startApiService();
    keystone = await startKeystoneStandIn(service.url);
  }, BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await service?.service.stop(5_000);
    await keystone?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  // Runs `freezer <args>` as the test identity. Only the variables the CLI needs are passed, so an
  // operator's own OS_* settings cannot leak in. With `viaCatalog` the backup endpoint comes from the
  // Keystone catalog instead of --os-backup-url.
  function freezer(args: string[], { viaCatalog = false } = {}): Promise<CliResult> {
    const env = openStackEnv(identity, keystone!.url, workDir);
    return runFreezer(cli, args, env, viaCatalog ? undefined : service!.url);
  }

  // `-v` makes the CLI log its INFO lines ("Client X registered", "Backup X deleted") on stderr.
  async function ok(args: string[], options?: { viaCatalog?: boolean }): Promise<CliResult> {
    return expectSuccess(args, await freezer(args, options));
  }

  function jsonFile(name: string, doc: unknown): string {
    const path = join(workDir, name);
    writeFileSync(path, JSON.stringify(doc));
    return path;
  }

  describe('clients', () => {
    it('client-register registers each client (201 {client_id})', async () => {
      for (const [name, doc] of [['a', clientA], ['b', clientB]] as const) {
        const { stderr } = await ok(['-v', 'client-register', '--file', jsonFile(`client-${name}.json`, doc)]);
        expect(stderr).toContain(`Client ${doc.client_id} registered`);
      }
    });

    it('client-list shows both clients with a generated 32-hex uuid', async () => {
      const rows = listTable((await ok(['client-list'])).stdout);
      expect(rows).toHaveLength(2);
      for (const doc of [clientA, clientB]) {
        expect(rows).toContainEqual({ 'Client ID': doc.client_id, uuid: expect.stringMatching(/^[0-9a-f]{32}$/), hostname: doc.hostname, description: doc.description });
      }
    });

    it('client-list --search filters by a substring of any field', async () => {
      const rows = listTable((await ok(['client-list', '--search', `BETA-${tag}`])).stdout);
      expect(rows.map((row) => row['Client ID'])).toEqual([clientB.client_id]);
    });

    it('client-show prints the client, its uuid the one in the list', async () => {
      const listed = listTable((await ok(['client-list'])).stdout).find((row) => row['Client ID'] === clientA.client_id);
      const shown = showTable((await ok(['client-show', clientA.client_id])).stdout);
      expect(shown).toEqual({ 'Client ID': clientA.client_id, 'Client UUID': listed?.uuid, hostname: clientA.hostname, description: clientA.description });
    });

    it('authenticates with Keystone and can find the service through the catalog (service type backup)', async () => {
      const shown = showTable((await ok(['client-show', clientB.client_id], { viaCatalog: true })).stdout);
      expect(shown['Client ID']).toBe(clientB.client_id);
      expect(keystone!.requests).toContain('GET /v3');
      expect(keystone!.requests).toContain('POST /v3/auth/tokens');
    });

    it('client-delete removes the client: gone from client-list and client-show', async () => {
      const { stderr } = await ok(['-v', 'client-delete', clientA.client_id]);
      expect(stderr).toContain(`Client ${clientA.client_id} deleted`);
      const rows = listTable((await ok(['client-list'])).stdout);
      expect(rows.map((row) => row['Client ID'])).toEqual([clientB.client_id]);
      const show = await freezer(['client-show', clientA.client_id]);
      expect(show.code).not.toBe(0);
      expect(show.stderr).toContain('Client not found');
    });
  });

  describe('backups', () => {
    it('backup-create stores the metadata and logs the new 32-hex backup id', async () => {
      for (const [key, doc] of [['etc', backupEtc], ['home', backupHome]] as const) {
        const { stderr } = await ok(['-v', 'backup-create', '--file', jsonFile(`backup-${key}.json`, doc)]);
        const id = /Backup ([0-9a-f]{32}) created/.exec(stderr)?.[1];
        expect(id).toBeDefined();
        backupIds[key] = id!;
      }
    });

    it('backup-create shows the service error description when the metadata is invalid', async () => {
      const { container: _dropped, ...withoutContainer } = backupEtc;
      const result = await freezer(['backup-create', '--file', jsonFile('backup-bad.json', withoutContainer)]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/\[\*\] Error 400: .*container/);
    });

    it('backup-list shows both backups, ordered by time_stamp', async () => {
      const rows = listTable((await ok(['backup-list'])).stdout);
      expect(rows).toEqual([
        { 'Backup ID': backupIds.etc, 'Backup UUID': '', Hostname: backupEtc.hostname, Path: '/etc', 'Created at': '2025-11-29 15:00:00', Level: '0' },
        { 'Backup ID': backupIds.home, 'Backup UUID': '', Hostname: backupHome.hostname, Path: '/home', 'Created at': '2025-11-30 10:53:20', Level: '1' },
      ]);
    });

    it('backup-list --search really filters (case-insensitive substring, {"match":[{"_all":...}]})', async () => {
      const home = listTable((await ok(['backup-list', '--search', `WEEKLY-HOME-${tag}`])).stdout);
      expect(home.map((row) => row['Backup ID'])).toEqual([backupIds.home]);
      const byHost = listTable((await ok(['backup-list', '--search', clientA.hostname])).stdout);
      expect(byHost.map((row) => row['Backup ID'])).toEqual([backupIds.etc]);
      const none = await ok(['backup-list', '--search', `no-such-backup-${tag}`]);
      expect(listTable(none.stdout)).toEqual([]);
    });

    it('backup-show prints the owner (from the token) and the metadata', async () => {
      const shown = showTable((await ok(['backup-show', backupIds.etc])).stdout);
      // "Backup ID" reads the document's `backup_uuid`, which the API never sets (REF neither): None.
      expect(shown['Project ID']).toBe(identity.projectId);
      expect(shown['User ID']).toBe(identity.userId);
      expect(shown.Metadata).toContain(`'backup_name': '${backupEtc.backup_name}'`);
      expect(shown.Metadata).toContain(`'container': '${backupEtc.container}'`);
      expect(shown.Metadata).toContain(`'time_stamp': ${backupEtc.time_stamp}`);
    });

    it('backup-delete removes the backup: gone from backup-list and backup-show', async () => {
      const { stderr } = await ok(['-v', 'backup-delete', backupIds.etc]);
      expect(stderr).toContain(`Backup ${backupIds.etc} deleted`);
      const rows = listTable((await ok(['backup-list'])).stdout);
      expect(rows.map((row) => row['Backup ID'])).toEqual([backupIds.home]);
      const show = await freezer(['backup-show', backupIds.etc]);
      expect(show.code).not.toBe(0);
      expect(show.stderr).toContain('Backup not found');
    });
  });
});
