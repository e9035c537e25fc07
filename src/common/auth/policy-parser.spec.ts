// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { buildEnforcer, type PolicyCredentials } from './policies.js';
import { PolicySyntaxError, parseLegacyPolicy, parsePolicy } from './policy-parser.js';

const member: PolicyCredentials = { user_id: 'u1', project_id: 'p1', user_name: 'alice', is_admin: false, roles: ['member'] };
const admin: PolicyCredentials = { user_id: 'u2', project_id: 'p9', user_name: 'root', is_admin: true, roles: ['admin', 'member'] };
const target = { project_id: 'p1', user_id: 'u1' };

function allows(rule: string, creds: PolicyCredentials, extra: Record<string, unknown> = {}): boolean {
  return buildEnforcer({ 'jobs:delete': rule, ...extra }).enforce('jobs:delete', creds, target);
}

describe('parsePolicy', () => {
  it('reads checks, and/or/not with oslo precedence, and parentheses', () => {
    expect(parsePolicy('role:admin')).toEqual({ kind: 'role', role: 'admin' });
    expect(parsePolicy('role:a or role:b and not role:c')).toEqual({
      kind: 'or',
      items: [{ kind: 'role', role: 'a' }, { kind: 'and', items: [{ kind: 'role', role: 'b' }, { kind: 'not', item: { kind: 'role', role: 'c' } }] }],
    });
    expect(parsePolicy('(role:a or role:b) and project_id:%(project_id)s')).toEqual({
      kind: 'and',
      items: [{ kind: 'or', items: [{ kind: 'role', role: 'a' }, { kind: 'role', role: 'b' }] }, { kind: 'match', field: 'project_id', targetKey: 'project_id' }],
    });
    expect(parsePolicy('(project_id:%(project_id)s)')).toEqual({ kind: 'match', field: 'project_id', targetKey: 'project_id' });
  });

  it('reads the empty rule and @ as always, ! as never', () => {
    expect(parsePolicy('')).toEqual({ kind: 'always' });
    expect(parsePolicy('  @ ')).toEqual({ kind: 'always' });
    expect(parsePolicy('!')).toEqual({ kind: 'never' });
  });

  it.each(['role:a)', '(role:a', 'role:a and', 'or role:a', 'foo', 'role:', 'http:x', 'project_id:%(project_id', 'not'])(
    'refuses %p with a syntax error',
    (rule) => {
      expect(() => parsePolicy(rule)).toThrow(PolicySyntaxError);
    },
  );

  it('reads the legacy list-of-lists form: outer or, inner and', () => {
    expect(parseLegacyPolicy([['role:a', 'role:b'], ['role:c']])).toEqual({
      kind: 'or',
      items: [{ kind: 'and', items: [{ kind: 'role', role: 'a' }, { kind: 'role', role: 'b' }] }, { kind: 'role', role: 'c' }],
    });
    expect(parseLegacyPolicy([])).toEqual({ kind: 'always' });
    expect(() => parseLegacyPolicy([[]])).toThrow(PolicySyntaxError);
  });
});

describe('PolicyEnforcer', () => {
  it('allows any caller by default, for every freezer rule', () => {
    expect(buildEnforcer().enforce('sessions:job:remove', member, target)).toBe(true);
  });

  it('checks roles case-insensitively, is_admin, target references and not', () => {
    expect(allows('role:ADMIN', member)).toBe(false);
    expect(allows('role:admin', admin)).toBe(true);
    expect(allows('is_admin:True', admin)).toBe(true);
    expect(allows('is_admin:True', member)).toBe(false);
    expect(allows('project_id:%(project_id)s', member)).toBe(true);
    expect(allows('project_id:%(project_id)s', admin)).toBe(false);
    expect(allows('user_id:%(user_id)s and not role:admin', member)).toBe(true);
    expect(allows('not role:member', member)).toBe(false);
    expect(allows('project_id:%(missing)s', member)).toBe(false);
    expect(allows('!', admin)).toBe(false);
  });

  it('follows rule: references, to base rules and to the file own aliases', () => {
    expect(allows('rule:admin_or_owner', member)).toBe(true);
    expect(allows('rule:context_is_admin', member)).toBe(false);
    expect(allows('rule:operators', member, { operators: 'role:operator or role:admin' })).toBe(false);
    expect(allows('rule:operators', admin, { operators: 'role:operator or role:admin' })).toBe(true);
  });

  it('refuses an unknown reference, a cycle, an unreferenced unknown name and a syntax error, naming the rule', () => {
    expect(() => buildEnforcer({ 'jobs:delete': 'rule:nope' })).toThrow(/"jobs:delete" refers to rule "nope"/);
    expect(() => buildEnforcer({ 'jobs:delete': 'rule:a', a: 'rule:jobs:delete' })).toThrow(/refers to itself/);
    expect(() => buildEnforcer({ 'jobs:remove': 'role:admin' })).toThrow(/"jobs:remove" is not one of freezer's rules/);
    expect(() => buildEnforcer({ 'jobs:get': 'role:admin or' })).toThrow(/rule "jobs:get"/);
  });
});
