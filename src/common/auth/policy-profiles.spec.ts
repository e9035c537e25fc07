// SPDX-License-Identifier: Apache-2.0
// The two sets of default rules (POLICY_DEFAULTS): every rule of every profile, for the callers
// of freezer 2026's policy matrix. Keystone's implied roles put reader into a member's token and
// both into an admin's, as the callers below have them.
import { describe, expect, it } from '@jest/globals';
import { buildEnforcer, type PolicyCredentials, POLICY_RULES, type PolicyRuleName } from './policies.js';

const creds = (roles: string[], project = 'p1'): PolicyCredentials => ({ user_id: 'u', project_id: project, user_name: null, is_admin: roles.includes('admin'), roles });
const CALLERS = {
  reader: creds(['reader']),
  member: creds(['member', 'reader']),
  admin: creds(['admin', 'member', 'reader']),
  service: creds(['service'], 'service-project'),
  otherMember: creds(['member', 'reader'], 'p2'),
  noRole: creds([]),
};
const target = { project_id: 'p1', user_id: 'u' };
const RULES = Object.keys(POLICY_RULES) as PolicyRuleName[];
const READS = RULES.filter((rule) => /:get(_all)?$/.test(rule));
const PRIVILEGED: PolicyRuleName[] = ['clients:create_central', 'jobs:get_all_projects'];
const BACKUP_WRITES: PolicyRuleName[] = ['backups:create', 'backups:delete', 'backups:update'];

function allowed(profile: 'legacy' | 'rbac', who: PolicyCredentials): PolicyRuleName[] {
  const enforcer = buildEnforcer({}, profile);
  return RULES.filter((rule) => enforcer.enforce(rule, who, target));
}

describe('POLICY_DEFAULTS=legacy', () => {
  it('lets any caller do anything but the two privileged rules, as freezer 13 did', () => {
    const open = RULES.filter((rule) => !PRIVILEGED.includes(rule));
    for (const who of [CALLERS.reader, CALLERS.otherMember, CALLERS.noRole]) expect(allowed('legacy', who)).toEqual(open);
    expect(allowed('legacy', CALLERS.admin)).toEqual(RULES);
    expect(allowed('legacy', CALLERS.service)).toEqual(RULES);
  });
});

describe('POLICY_DEFAULTS=rbac (freezer 2026)', () => {
  it('lets a reader of the project read', () => {
    expect(allowed('rbac', CALLERS.reader)).toEqual(READS);
  });

  it('lets a member of the project do everything but the privileged rules', () => {
    expect(allowed('rbac', CALLERS.member)).toEqual(RULES.filter((rule) => !PRIVILEGED.includes(rule)));
  });

  it('lets an admin do everything, in any project', () => {
    expect(allowed('rbac', CALLERS.admin)).toEqual(RULES);
    expect(allowed('rbac', { ...CALLERS.admin, project_id: 'elsewhere' })).toEqual(RULES);
  });

  it('lets a service read everything, write backups and use the privileged rules, in any project', () => {
    expect(allowed('rbac', CALLERS.service)).toEqual(RULES.filter((rule) => READS.includes(rule) || PRIVILEGED.includes(rule) || BACKUP_WRITES.includes(rule)));
  });

  it('gives nothing to a member of another project or to a caller without a role', () => {
    expect(allowed('rbac', CALLERS.otherMember)).toEqual([]);
    expect(allowed('rbac', CALLERS.noRole)).toEqual([]);
  });

  it('lets a policy file override a default and reference the 2026 base rules', () => {
    const enforcer = buildEnforcer({ 'jobs:delete': 'rule:context_is_admin', 'backups:get': 'rule:project_member' }, 'rbac');
    expect(enforcer.enforce('jobs:delete', CALLERS.member, target)).toBe(false);
    expect(enforcer.enforce('backups:get', CALLERS.reader, target)).toBe(false);
    expect(enforcer.enforce('backups:get', CALLERS.member, target)).toBe(true);
    // the legacy profile defines the same base rules for files to use
    expect(buildEnforcer({ 'jobs:get': 'rule:project_reader' }, 'legacy').enforce('jobs:get', CALLERS.reader, target)).toBe(true);
  });
});
