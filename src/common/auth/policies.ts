// SPDX-License-Identifier: Apache-2.0
// freezer's policy rules (common/policies/*.py), one table (spec §3.3, D16), with two sets of
// defaults (POLICY_DEFAULTS): `legacy`, where every rule is "any authenticated caller" as in
// freezer 13 (the guard runs after AuthGuard), and `rbac`, the secure-RBAC defaults of freezer
// 2026 (reader reads, member writes, admin and service as upstream, checked against the path
// project). POLICY_FILE overrides either.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type PolicyDefaults } from '../../config/env.validation.js';
import type { RequestContext } from './request-context.js';
import { type PolicyNode, PolicySyntaxError, parseLegacyPolicy, parsePolicy, referencedRules } from './policy-parser.js';

export const POLICY_RULES = {
  'backups:create': 'Create a backup record',
  'backups:delete': 'Delete a backup record',
  'backups:get': 'Get one backup record',
  'backups:get_all': 'List and search backup records',
  'backups:update': 'Change the status or metadata of a backup record (PATCH)',
  'clients:create': 'Register a client',
  'clients:create_central': 'Register a client as a central scheduler (is_central: true)',
  'clients:delete': 'Delete a client',
  'clients:get': 'Get one client',
  'clients:get_all': 'List and search clients',
  'jobs:create': 'Create a job; also replace one (item POST and PUT)',
  'jobs:delete': 'Delete a job',
  'jobs:get': 'Get one job',
  'jobs:get_all': 'List and search jobs',
  'jobs:get_all_projects': 'See the jobs of every project with ?all_projects=true (list and get)',
  'jobs:update': 'Change a job (PATCH)',
  'jobs:event:create': 'Send an event (start, stop, abort, remove) to a job',
  'actions:create': 'Create an action',
  'actions:delete': 'Delete an action',
  'actions:get': 'Get one action',
  'actions:get_all': 'List and search actions',
  'actions:update': 'Change an action (PATCH)',
  'actions:replace': 'Replace an action (item POST and PUT)',
  'sessions:create': 'Create a session',
  'sessions:delete': 'Delete a session',
  'sessions:get': 'Get one session',
  'sessions:get_all': 'List and search sessions',
  'sessions:update': 'Change a session (PATCH)',
  'sessions:replace': 'Replace a session (item POST and PUT)',
  'sessions:action:create': 'Start or end a session (POST .../action)',
  'sessions:job:add': 'Add a job to a session',
  'sessions:job:remove': 'Remove a job from a session',
  'status:get': 'Read the protection status (stale clients, overdue and failing jobs, old backups)',
} as const;

export type PolicyRuleName = keyof typeof POLICY_RULES;

// freezer 2026's base rules (common/policies/base.py), defined in both profiles for operators'
// files to reference; `legacy` keeps freezer 13's admin_or_owner.
const RBAC_BASE_RULES: Record<string, string> = {
  context_is_admin: 'role:admin',
  admin_or_owner: 'rule:context_is_admin or rule:project_member',
  admin_or_owner_or_service: 'rule:admin_or_service or rule:project_member',
  admin_or_service: 'role:admin or role:service',
  project_member: 'role:member and project_id:%(project_id)s',
  project_reader: 'role:reader and project_id:%(project_id)s',
  admin_or_reader_or_service: 'rule:admin_or_owner_or_service or rule:project_reader',
};

export const BASE_RULES: Record<PolicyDefaults, Record<string, string>> = {
  legacy: { ...RBAC_BASE_RULES, admin_or_owner: 'is_admin:True or project_id:%(project_id)s' },
  rbac: RBAC_BASE_RULES,
};

// The rules that widen what a caller reaches are never open to everyone, in either profile.
const PRIVILEGED: Partial<Record<PolicyRuleName, string>> = {
  'clients:create_central': 'rule:admin_or_service',
  'jobs:get_all_projects': 'rule:admin_or_service',
};

// freezer 2026's defaults (common/policies/{backup,client,job,action,session}.py).
function rbacDefault(rule: PolicyRuleName): string {
  const privileged = PRIVILEGED[rule];
  if (privileged !== undefined) return privileged;
  const reads = /:get(_all)?$/.test(rule);
  if (reads) return 'rule:admin_or_reader_or_service';
  // a service (a backup agent's user) may record, change and delete backups, nothing else
  return rule.startsWith('backups:') ? 'rule:admin_or_owner_or_service' : 'rule:admin_or_owner';
}

function defaultRule(profile: PolicyDefaults, rule: PolicyRuleName): PolicyNode {
  if (profile === 'rbac') return parsePolicy(rbacDefault(rule));
  const privileged = PRIVILEGED[rule];
  return privileged === undefined ? { kind: 'always' } : parsePolicy(privileged);
}

export interface PolicyCredentials {
  user_id: string;
  project_id: string | null;
  user_name: string | null;
  is_admin: boolean;
  roles: string[];
}

export type PolicyTarget = Record<string, string | null>;

export function credentialsOf(ctx: RequestContext): PolicyCredentials {
  return { user_id: ctx.userId, project_id: ctx.projectId, user_name: ctx.userName, is_admin: ctx.isAdmin, roles: ctx.roles };
}

export class PolicyEnforcer {
  constructor(private readonly rules: ReadonlyMap<string, PolicyNode>) {}

  enforce(rule: PolicyRuleName, creds: PolicyCredentials, target: PolicyTarget): boolean {
    return this.evaluate({ kind: 'rule', name: rule }, creds, target);
  }

  // Whether the caller passes `rule` for a document of `projectId` (the path project on v2, the
  // caller's own on v1): the checks a service makes beyond its route's own rule.
  permits(rule: PolicyRuleName, ctx: RequestContext, projectId: string | null): boolean {
    return this.enforce(rule, credentialsOf(ctx), { project_id: projectId, user_id: ctx.userId });
  }

  private evaluate(node: PolicyNode, creds: PolicyCredentials, target: PolicyTarget): boolean {
    switch (node.kind) {
      case 'always':
        return true;
      case 'never':
        return false;
      case 'and':
        return node.items.every((item) => this.evaluate(item, creds, target));
      case 'or':
        return node.items.some((item) => this.evaluate(item, creds, target));
      case 'not':
        return !this.evaluate(node.item, creds, target);
      case 'rule': {
        // a reference checked at load time, so a missing one here is a programming error: deny
        const rule = this.rules.get(node.name);
        return rule !== undefined && this.evaluate(rule, creds, target);
      }
      case 'role':
        return creds.roles.includes(node.role);
      case 'match': {
        const expected = node.targetKey !== undefined ? target[node.targetKey] : node.literal;
        if (expected === undefined || expected === null) return false;
        const actual = creds[node.field as keyof PolicyCredentials];
        if (Array.isArray(actual)) return actual.includes(expected);
        if (typeof actual === 'boolean') return expected.toLowerCase() === String(actual);
        return actual === expected;
      }
    }
  }
}

function parseRule(name: string, value: unknown): PolicyNode {
  try {
    return typeof value === 'string' ? parsePolicy(value) : parseLegacyPolicy(value);
  } catch (error) {
    if (error instanceof PolicySyntaxError) throw new PolicySyntaxError(`rule "${name}": ${error.message}`);
    throw error;
  }
}

// The defaults with `overrides` (a parsed policy file) on top. Refuses a syntax error, a reference
// to a rule that does not exist, a cycle of references, and a name that is neither freezer's, a base
// rule nor referenced by another rule (most likely a typo that would silently change nothing).
export function buildEnforcer(overrides: Record<string, unknown> = {}, profile: PolicyDefaults = 'legacy'): PolicyEnforcer {
  const rules = new Map<string, PolicyNode>();
  const baseRules = BASE_RULES[profile];
  for (const [name, text] of Object.entries(baseRules)) rules.set(name, parsePolicy(text));
  for (const name of Object.keys(POLICY_RULES) as PolicyRuleName[]) rules.set(name, defaultRule(profile, name));
  for (const [name, value] of Object.entries(overrides)) rules.set(name, parseRule(name, value));
  const referenced = new Set<string>();
  for (const [name, node] of rules) {
    for (const ref of referencedRules(node)) {
      if (!rules.has(ref)) throw new PolicySyntaxError(`rule "${name}" refers to rule "${ref}", which is not defined`);
      referenced.add(ref);
    }
  }
  for (const name of Object.keys(overrides)) {
    if (!(name in POLICY_RULES) && !(name in baseRules) && !referenced.has(name)) {
      throw new PolicySyntaxError(`rule "${name}" is not one of freezer's rules and no rule refers to it`);
    }
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string): void => {
    if (done.has(name)) return;
    if (visiting.has(name)) throw new PolicySyntaxError(`rule "${name}" refers to itself through rule: references`);
    visiting.add(name);
    for (const ref of referencedRules(rules.get(name) as PolicyNode)) visit(ref);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of rules.keys()) visit(name);
  return new PolicyEnforcer(rules);
}

// Reads POLICY_FILE (JSON is YAML too, so one parser reads both) at boot; any problem refuses to start.
export function loadPolicyFile(path: string | undefined, profile: PolicyDefaults = 'legacy'): PolicyEnforcer {
  if (path === undefined) return buildEnforcer({}, profile);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('POLICY_FILE', `${path} cannot be read: ${(error as Error).message}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('POLICY_FILE', `${path} must map rule names to rules`);
  try {
    return buildEnforcer(doc as Record<string, unknown>, profile);
  } catch (error) {
    if (error instanceof PolicySyntaxError) throw new ConfigError('POLICY_FILE', `${path}: ${error.message}`);
    throw error;
  }
}
