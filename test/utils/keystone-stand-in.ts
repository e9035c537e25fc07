// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// Just enough of Keystone v3 for keystoneauth1 (what freezerclient and the scheduler use):
// version discovery, then password authentication (POST /v3/auth/tokens). It checks no
// password: the username becomes the user id and the requested project (id or name) the project
// id. The token it issues is `<user>:<project>`, which the service in noauth mode reads as that
// identity (spec D15, §3.5), and its catalog points service type `backup` at `backupUrl`.
export interface KeystoneStandIn {
  url: string; // the auth URL, ending in /v3
  requests: string[]; // "METHOD /path" of every request received, in order
  close(): Promise<void>;
}

interface PasswordAuth {
  auth?: {
    identity?: { methods?: string[]; password?: { user?: { id?: string; name?: string } } };
    scope?: { project?: { id?: string; name?: string } };
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function v3Version(base: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${base}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

function tokenBody(user: string, project: string, backupUrl: string) {
  const now = Date.now();
  const domain = { id: 'default', name: 'Default' };
  return {
    token: {
      methods: ['password'],
      user: { id: user, name: user, domain },
      project: { id: project, name: project, domain },
      roles: [{ id: 'member', name: 'member' }],
      issued_at: new Date(now).toISOString(),
      expires_at: new Date(now + 3600_000).toISOString(),
      catalog: [
        {
          id: 'freezer',
          type: 'backup',
          name: 'freezer',
          endpoints: [{ id: randomUUID(), interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: backupUrl }],
        },
      ],
    },
  };
}

export async function startKeystoneStandIn(backupUrl: string): Promise<KeystoneStandIn> {
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    requests.push(`${req.method} ${path}`);
    if (req.method === 'GET' && path === '/') return send(res, 300, { versions: { values: [v3Version(base)] } });
    if (req.method === 'GET' && path === '/v3') return send(res, 200, { version: v3Version(base) });
    if (req.method === 'POST' && path === '/v3/auth/tokens') {
      void readJson(req).then((body) => {
        const auth = (body as PasswordAuth | undefined)?.auth;
        const user = auth?.identity?.password?.user;
        const project = auth?.scope?.project;
        const userId = user?.id ?? user?.name;
        const projectId = project?.id ?? project?.name;
        if (!auth?.identity?.methods?.includes('password') || !userId || !projectId) {
          return send(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'password auth scoped to a project expected' } });
        }
        send(res, 201, tokenBody(userId, projectId, backupUrl), { 'X-Subject-Token': `${userId}:${projectId}` });
      });
      return;
    }
    send(res, 404, { error: { code: 404, title: 'Not Found', message: `${req.method} ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/v3`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
