// SPDX-License-Identifier: Apache-2.0
// freezer's policy rules (common/policies/*.py), one table (spec §3.3, D16). Every rule defaults to
// the empty check, "any authenticated caller" (the guard runs after AuthGuard); POLICY_FILE overrides.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../config/env.validation.js';
import { type PolicyNode, PolicySyntaxError, parseLegacyPolicy, parsePolicy, referencedRules } from './policy-parser.js';

export const POLICY_RULES = {
  'backups:create': 'Create a backup record',
  'backups:delete': 'Delete a backup record',
  'backups:get': 'Get one backup record',
  'backups:get_all': 'List and search backup records',
  'clients:create': 'Register a client',
  'clients:delete': 'Delete a client',
  'clients:get': 'Get one client',
  'clients:get_all': 'List and search clients',
  'jobs:create': 'Create a job; also replace one (item POST and PUT)',
  'jobs:delete': 'Delete a job',
  'jobs:get': 'Get one job',
  'jobs:get_all': 'List and search jobs',
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

// freezer's base rules (common/policies/base.py): defined for operators' files to reference.
export const BASE_RULES: Record<string, string> = {
  context_is_admin: 'role:admin',
  admin_or_owner: 'is_admin:True or project_id:%(project_id)s',
};

export interface PolicyCredentials {
  user_id: string;
  project_id: string | null;
  user_name: string | null;
  is_admin: boolean;
  roles: string[];
}

export type PolicyTarget = Record<string, string | null>;

export class PolicyEnforcer {
  constructor(private readonly rules: ReadonlyMap<string, PolicyNode>) {}

  enforce(rule: PolicyRuleName, creds: PolicyCredentials, target: PolicyTarget): boolean {
    return this.evaluate({ kind: 'rule', name: rule }, creds, target);
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
export function buildEnforcer(overrides: Record<string, unknown> = {}): PolicyEnforcer {
  const rules = new Map<string, PolicyNode>();
  for (const name of Object.keys(POLICY_RULES)) rules.set(name, { kind: 'always' });
  for (const [name, text] of Object.entries(BASE_RULES)) rules.set(name, parsePolicy(text));
  for (const [name, value] of Object.entries(overrides)) rules.set(name, parseRule(name, value));
  const referenced = new Set<string>();
  for (const [name, node] of rules) {
    for (const ref of referencedRules(node)) {
      if (!rules.has(ref)) throw new PolicySyntaxError(`rule "${name}" refers to rule "${ref}", which is not defined`);
      referenced.add(ref);
    }
  }
  for (const name of Object.keys(overrides)) {
    if (!(name in POLICY_RULES) && !(name in BASE_RULES) && !referenced.has(name)) {
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
export function loadPolicyFile(path: string | undefined): PolicyEnforcer {
  if (path === undefined) return buildEnforcer();
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('POLICY_FILE', `${path} cannot be read: ${(error as Error).message}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('POLICY_FILE', `${path} must map rule names to rules`);
  try {
    return buildEnforcer(doc as Record<string, unknown>);
  } catch (error) {
    if (error instanceof PolicySyntaxError) throw new ConfigError('POLICY_FILE', `${path}: ${error.message}`);
    throw error;
  }
}
