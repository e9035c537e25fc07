// SPDX-License-Identifier: Apache-2.0
import type { KeystoneConfig } from '../../config/env.validation.js';
import type { Clock } from './keystone-token-cache.js';

// Keystone could not be asked (refused, timed out, 5xx, or refused the service's own credentials):
// the caller's token is neither valid nor invalid, so the answer is 503, not 401.
export class KeystoneUnavailableError extends Error {}

export interface ValidatedToken {
  userId: string;
  userName: string | null;
  projectId: string | null;
  roles: string[];
  // epoch ms
  expiresAt: number;
}

// Renew the service token this long before Keystone says it expires, so no request races its expiry.
const RENEW_BEFORE_MS = 120_000;
const TIMEOUT_MS = 5_000;

type Fetch = typeof fetch;

// The service's conversation with Keystone v3: its own token (password auth, project scoped) and
// GET /v3/auth/tokens for callers' tokens.
export class KeystoneClient {
  private serviceToken: { token: string; renewAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly config: KeystoneConfig,
    private readonly now: Clock = Date.now,
    private readonly fetchFn: Fetch = fetch,
    private readonly timeoutMs = TIMEOUT_MS,
  ) {}

  // The caller's identity, or null when Keystone says the token is not valid (404, 401 with a fresh
  // service token). Throws KeystoneUnavailableError when Keystone cannot answer.
  async validate(subjectToken: string): Promise<ValidatedToken | null> {
    let response = await this.askValidate(subjectToken, await this.token());
    if (response.status === 401) {
      // Our own token may have been revoked or expired early: renew it once and ask again.
      this.serviceToken = null;
      response = await this.askValidate(subjectToken, await this.token());
      if (response.status === 401) throw new KeystoneUnavailableError('Keystone refuses the service token');
    }
    if (response.status === 404) return null;
    if (response.status !== 200) throw new KeystoneUnavailableError(`Keystone answered ${response.status} to a token validation`);
    return parseToken(await this.json(response));
  }

  // The service token, fetched or renewed when due; concurrent callers share one request.
  async token(): Promise<string> {
    if (this.serviceToken !== null && this.now() < this.serviceToken.renewAt) return this.serviceToken.token;
    this.pending ??= this.issue().finally(() => (this.pending = null));
    return this.pending;
  }

  private async issue(): Promise<string> {
    const { username, password, userDomainName, projectName, projectDomainName } = this.config;
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: username, password, domain: { name: userDomainName } } } },
        scope: { project: { name: projectName, domain: { name: projectDomainName } } },
      },
    };
    const response = await this.request(`${this.config.url}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const token = response.headers.get('x-subject-token');
    if (response.status !== 201 || token === null) {
      throw new KeystoneUnavailableError(`Keystone refused the service credentials (${response.status})`);
    }
    const { expiresAt } = parseToken(await this.json(response));
    const now = this.now();
    // a short-lived token is renewed at half its life rather than never cached
    const renewAt = Math.max(now + (expiresAt - now) / 2, expiresAt - RENEW_BEFORE_MS);
    this.serviceToken = { token, renewAt };
    return token;
  }

  private askValidate(subjectToken: string, serviceToken: string): Promise<Response> {
    return this.request(`${this.config.url}/auth/tokens?nocatalog`, {
      headers: { 'x-auth-token': serviceToken, 'x-subject-token': subjectToken, accept: 'application/json' },
    });
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    try {
      const response = await this.fetchFn(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      if (response.status >= 500) {
        await response.body?.cancel();
        throw new KeystoneUnavailableError(`Keystone answered ${response.status}`);
      }
      return response;
    } catch (error) {
      if (error instanceof KeystoneUnavailableError) throw error;
      throw new KeystoneUnavailableError(`Keystone at ${this.config.url} cannot be reached: ${(error as Error).message}`);
    }
  }

  private async json(response: Response): Promise<unknown> {
    try {
      return await response.json();
    } catch (error) {
      throw new KeystoneUnavailableError(`Keystone sent an unreadable answer: ${(error as Error).message}`);
    }
  }
}

interface TokenBody {
  token?: {
    expires_at?: string;
    user?: { id?: string; name?: string };
    project?: { id?: string };
    roles?: { name?: string }[];
  };
}

export function parseToken(body: unknown): ValidatedToken {
  const token = (body as TokenBody | null)?.token;
  const expiresAt = Date.parse(token?.expires_at ?? '');
  if (token?.user?.id === undefined || Number.isNaN(expiresAt)) throw new KeystoneUnavailableError('Keystone sent a token without a user or an expiry');
  return {
    userId: token.user.id,
    userName: token.user.name ?? null,
    projectId: token.project?.id ?? null,
    roles: (token.roles ?? []).map((role) => (role.name ?? '').toLowerCase()).filter((role) => role !== ''),
    expiresAt,
  };
}
