// SPDX-License-Identifier: Apache-2.0
// The environment is read and checked once, here; the rest of the code receives a typed AppConfig.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { ConfigError } from './config-error.js';
import { withSecretFiles } from './secret-files.js';

export type AuthMode = 'noauth' | 'trusted-headers' | 'keystone';
export type FreezerScope = 'user' | 'project';
export type PolicyDefaults = 'legacy' | 'rbac';
export type MigrateMode = 'run' | 'check' | 'off';
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';
export type LogFormat = 'json' | 'text';

export interface AppConfig {
  port: number;
  host: string;
  // API processes sharing the port (Node's cluster module); more than 1 needs DATABASE_URL
  workers: number;
  databaseUrl: string | undefined;
  dataDir: string;
  migrate: MigrateMode;
  poolSize: number;
  // fixed hot-path queries as named (server-side prepared) statements; off for the embedded
  // database and for poolers that do not keep them (PgBouncer in transaction mode before 1.21)
  preparedStatements: boolean;
  statementTimeoutMs: number;
  // seconds between two checks of the tables' planner statistics; 0: never (see table-statistics.ts)
  analyzeIntervalS: number;
  // longest a SIGTERM/SIGINT shutdown may take before the process exits with code 1
  shutdownTimeoutMs: number;
  authMode: AuthMode;
  // set when authMode is keystone
  keystone: KeystoneConfig | null;
  // an oslo.policy file (JSON or YAML) overriding the default rules
  policyFile: string | undefined;
  // the default rules: legacy (any authenticated caller) or rbac (reader, member, admin, service)
  policyDefaults: PolicyDefaults;
  allowInsecureNoauth: boolean;
  scope: FreezerScope;
  logLevel: LogLevel;
  // json: one object per line (for log collectors); text: for a terminal
  logFormat: LogFormat;
  bodyLimit: number;
  corsOrigins: string[];
  // requests per caller per rateLimitWindowS; 0: no limit
  rateLimit: number;
  rateLimitWindowS: number;
  // Express's 'trust proxy' value: false, true, a hop count, or trusted addresses/subnets
  trustProxy: TrustProxy;
  status: StatusConfig;
  // when set, GET /metrics answers only a request bearing it (Authorization: Bearer ...)
  metricsToken: string | undefined;
}

// The protection-status report and its metrics (all in seconds).
export interface StatusConfig {
  // a client's last poll is written at most this often
  livenessResolutionS: number;
  clientStaleAfterS: number;
  jobOverdueGraceS: number;
  backupMaxAgeS: number;
  metricsIntervalS: number;
  metricsPerProject: boolean;
}

export type TrustProxy = boolean | number | string[];

export interface KeystoneConfig {
  // the v3 endpoint, without a trailing slash (http://keystone:5000/v3)
  url: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  cacheTtlS: number;
}

export { ConfigError };

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function metricsToken(env: Env): string | undefined {
  const token = read(env, 'METRICS_TOKEN');
  if (token !== undefined && !/^[\x21-\x7e]{16,}$/.test(token)) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 printable characters without spaces');
  }
  return token;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2 };

function size(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*(b|kb?|mb?)?$/i.exec(raw);
  if (!match) throw new ConfigError(name, `must be a size such as 1048576, 512kb or 1mb, got "${raw}"`);
  const bytes = Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toLowerCase()];
  if (bytes < 1024 || bytes > 64 * 1024 ** 2) throw new ConfigError(name, 'must be between 1kb and 64mb');
  return bytes;
}

// AUTH_MODE=keystone: where Keystone is and the service's own credentials (D15).
function keystone(env: Env): KeystoneConfig {
  const missing = ['KEYSTONE_URL', 'KEYSTONE_USERNAME', 'KEYSTONE_PASSWORD', 'KEYSTONE_PROJECT_NAME'].filter((name) => read(env, name) === undefined);
  if (missing.length > 0) throw new ConfigError(missing.join(', '), 'must be set when AUTH_MODE=keystone');
  const url = (read(env, 'KEYSTONE_URL') as string).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('KEYSTONE_URL', `must be an http(s) URL of the Keystone v3 endpoint, got "${url}"`);
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new ConfigError('KEYSTONE_URL', `must be an http(s) URL, got "${url}"`);
  if (!/\/v3$/.test(parsed.pathname)) throw new ConfigError('KEYSTONE_URL', `must be the v3 endpoint (ending in /v3), got "${url}"`);
  return {
    url,
    username: read(env, 'KEYSTONE_USERNAME') as string,
    // the password as given: surrounding spaces may be part of it
    password: env.KEYSTONE_PASSWORD as string,
    projectName: read(env, 'KEYSTONE_PROJECT_NAME') as string,
    userDomainName: read(env, 'KEYSTONE_USER_DOMAIN_NAME') ?? 'Default',
    projectDomainName: read(env, 'KEYSTONE_PROJECT_DOMAIN_NAME') ?? 'Default',
    cacheTtlS: integer(env, 'KEYSTONE_CACHE_TTL', 300, 1, 86_400),
  };
}

// A count, or `auto`: one per CPU the process may use.
function workers(env: Env): number {
  if (read(env, 'WORKERS')?.toLowerCase() === 'auto') return availableParallelism();
  return integer(env, 'WORKERS', 1, 1, 64);
}

function databaseUrl(env: Env): string | undefined {
  const raw = read(env, 'DATABASE_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a URL (expected postgres://user@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must use the postgres:// scheme, got "${url.protocol}"`);
  }
  return raw;
}

function corsOrigins(env: Env): string[] {
  const raw = read(env, 'CORS_ORIGINS');
  if (raw === undefined) return [];
  const origins = raw.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  for (const origin of origins) {
    if (origin === '*') continue;
    try {
      const url = new URL(origin);
      if (url.origin !== origin) throw new Error('not an origin');
    } catch {
      throw new ConfigError('CORS_ORIGINS', `must be a comma list of origins such as https://horizon.example.com, got "${origin}"`);
    }
  }
  return origins;
}

// Names Express's proxy-addr understands for whole address ranges.
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

// Accepts what Express's 'trust proxy' does, but checked here so a typo fails the boot instead of
// silently trusting nobody (or everybody).
function trustProxy(env: Env): TrustProxy {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^(false|no|off)$/i.test(raw)) return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 32) throw new ConfigError('TRUST_PROXY', `hop count must be between 0 and 32, got ${hops}`);
    return hops === 0 ? false : hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!isProxyAddress(entry)) {
      throw new ConfigError(
        'TRUST_PROXY',
        `must be true, false, a hop count, or a comma list of addresses or subnets (10.0.0.1, 10.0.0.0/8, loopback), got "${entry}"`,
      );
    }
  }
  return entries;
}

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry.toLowerCase())) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d+$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

// `env` is the process environment; a secret setting may also come from a file (`<NAME>_FILE`).
export function validateEnv(rawEnv: Env): AppConfig {
  const env = withSecretFiles(rawEnv);
  const config: AppConfig = {
    port: integer(env, 'PORT', 9090, 0, 65535),
    host: read(env, 'HOST') ?? '127.0.0.1',
    workers: workers(env),
    databaseUrl: databaseUrl(env),
    dataDir: read(env, 'FREEZER_DATA_DIR') ?? './data',
    migrate: oneOf(env, 'DB_MIGRATE', ['run', 'check', 'off'] as const, 'run'),
    poolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 500),
    preparedStatements: boolean(env, 'DB_PREPARED_STATEMENTS', true),
    statementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    analyzeIntervalS: integer(env, 'DB_ANALYZE_INTERVAL_S', 60, 0, 86_400),
    // below the 30 s Kubernetes waits by default between SIGTERM and SIGKILL
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 100, 3_600_000),
    authMode: oneOf(env, 'AUTH_MODE', ['noauth', 'trusted-headers', 'keystone'] as const, 'noauth'),
    keystone: null,
    policyFile: read(env, 'POLICY_FILE'),
    policyDefaults: oneOf(env, 'POLICY_DEFAULTS', ['legacy', 'rbac'] as const, 'legacy'),
    allowInsecureNoauth: boolean(env, 'ALLOW_INSECURE_NOAUTH', false),
    scope: oneOf(env, 'FREEZER_SCOPE', ['user', 'project'] as const, 'user'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['error', 'warn', 'log', 'debug', 'verbose'] as const, 'log'),
    logFormat: oneOf(env, 'LOG_FORMAT', ['json', 'text'] as const, 'json'),
    bodyLimit: size(env, 'BODY_LIMIT', 1024 * 1024),
    corsOrigins: corsOrigins(env),
    rateLimit: integer(env, 'RATE_LIMIT', 0, 0, 1_000_000),
    rateLimitWindowS: integer(env, 'RATE_LIMIT_WINDOW_S', 60, 1, 86_400),
    trustProxy: trustProxy(env),
    status: {
      livenessResolutionS: integer(env, 'LIVENESS_RESOLUTION_S', 30, 1, 3600),
      clientStaleAfterS: integer(env, 'CLIENT_STALE_AFTER_S', 600, 1, 31_536_000),
      jobOverdueGraceS: integer(env, 'JOB_OVERDUE_GRACE_S', 3600, 0, 31_536_000),
      backupMaxAgeS: integer(env, 'BACKUP_MAX_AGE_S', 172_800, 1, 3_153_600_000),
      metricsIntervalS: integer(env, 'STATUS_METRICS_INTERVAL_S', 60, 1, 86_400),
      metricsPerProject: boolean(env, 'METRICS_PER_PROJECT', false),
    },
    metricsToken: metricsToken(env),
  };
  // the labels name every tenant's projects and how well each is protected: never for anyone who
  // reaches the port
  if (config.status.metricsPerProject && config.metricsToken === undefined) {
    throw new ConfigError(
      'METRICS_PER_PROJECT',
      "is true, which labels the /metrics gauges with every tenant's project ids and protection state; set METRICS_TOKEN so that only a scraper bearing it can read them",
    );
  }
  if (config.workers > 1 && config.databaseUrl === undefined) {
    throw new ConfigError(
      'WORKERS',
      `is ${config.workers}, but the embedded database serves one process; set DATABASE_URL to a PostgreSQL server to run several`,
    );
  }
  if (config.status.clientStaleAfterS <= config.status.livenessResolutionS) {
    throw new ConfigError(
      'CLIENT_STALE_AFTER_S',
      `is ${config.status.clientStaleAfterS}, not more than LIVENESS_RESOLUTION_S (${config.status.livenessResolutionS}): polling clients would show as stale`,
    );
  }
  if (config.authMode === 'keystone') config.keystone = keystone(env);
  if (config.authMode === 'noauth' && !isLoopback(config.host) && !config.allowInsecureNoauth) {
    throw new ConfigError(
      'HOST',
      `is "${config.host}", not a loopback address, while AUTH_MODE=noauth trusts any caller; ` +
        'set AUTH_MODE=trusted-headers behind an authenticating proxy, or ALLOW_INSECURE_NOAUTH=true',
    );
  }
  return config;
}
