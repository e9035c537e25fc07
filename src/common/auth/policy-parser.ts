// SPDX-License-Identifier: Apache-2.0
// oslo.policy's rule language (https://docs.openstack.org/oslo.policy/latest/admin/policy-yaml-file.html),
// the part operators write for freezer: `@`, `!`, `role:x`, `rule:name`, `<credential>:<literal>`,
// `<credential>:%(<target key>)s`, `and`, `or`, `not`, parentheses; and the legacy list-of-lists form.
// A small recursive-descent parser, so a mistake in the file is found at boot, not on the first request.

export type PolicyNode =
  | { kind: 'always' }
  | { kind: 'never' }
  | { kind: 'and'; items: PolicyNode[] }
  | { kind: 'or'; items: PolicyNode[] }
  | { kind: 'not'; item: PolicyNode }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; role: string }
  // credential `field` equals a literal, or the target's value under `targetKey`
  | { kind: 'match'; field: string; literal?: string; targetKey?: string };

export class PolicySyntaxError extends Error {}

const TARGET_REF = /^%\(([\w.]+)\)s$/;
// Credentials a generic check may name (RequestContext, in oslo's names).
export const CREDENTIAL_FIELDS = ['user_id', 'project_id', 'user_name', 'is_admin', 'roles'] as const;

// As oslo.policy: split on whitespace, then peel parentheses off the ends of each word, so
// `(role:a` is two tokens while the parentheses of `%(project_id)s` stay inside the check.
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    let start = 0;
    let end = word.length;
    while (start < end && word[start] === '(') start++;
    let closing = 0;
    while (end > start && word[end - 1] === ')' && !/%\([\w.]+\)$/.test(word.slice(start, end))) {
      end--;
      closing++;
    }
    for (let i = 0; i < start; i++) tokens.push('(');
    if (end > start) tokens.push(word.slice(start, end));
    for (let i = 0; i < closing; i++) tokens.push(')');
  }
  return tokens;
}

// expr := and ('or' and)* ; and := unary ('and' unary)* ; unary := 'not' unary | '(' expr ')' | check
export function parsePolicy(text: string): PolicyNode {
  const tokens = tokenize(text);
  // oslo: an empty rule always passes
  if (tokens.length === 0) return { kind: 'always' };
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const next = (): string => {
    const token = tokens[at++];
    if (token === undefined) throw new PolicySyntaxError('the rule ends too early');
    return token;
  };

  function expression(): PolicyNode {
    const items = [conjunction()];
    while (peek()?.toLowerCase() === 'or') {
      at++;
      items.push(conjunction());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }
  function conjunction(): PolicyNode {
    const items = [unary()];
    while (peek()?.toLowerCase() === 'and') {
      at++;
      items.push(unary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }
  function unary(): PolicyNode {
    const token = next();
    if (token.toLowerCase() === 'not') return { kind: 'not', item: unary() };
    if (token === '(') {
      const inner = expression();
      if (next() !== ')') throw new PolicySyntaxError('a "(" is not closed');
      return inner;
    }
    if (token === ')' || ['and', 'or'].includes(token.toLowerCase())) throw new PolicySyntaxError(`unexpected "${token}"`);
    return check(token);
  }

  const node = expression();
  if (at < tokens.length) throw new PolicySyntaxError(`unexpected "${tokens[at]}"`);
  return node;
}

export function check(token: string): PolicyNode {
  if (token === '@') return { kind: 'always' };
  if (token === '!') return { kind: 'never' };
  const colon = token.indexOf(':');
  if (colon <= 0 || colon === token.length - 1) throw new PolicySyntaxError(`"${token}" is not a check (kind:value, @ or !)`);
  const kind = token.slice(0, colon);
  const value = token.slice(colon + 1).replace(/^(['"])(.*)\1$/, '$2');
  if (kind === 'rule') return { kind: 'rule', name: value };
  if (kind === 'role') return { kind: 'role', role: value.toLowerCase() };
  if (!(CREDENTIAL_FIELDS as readonly string[]).includes(kind)) {
    throw new PolicySyntaxError(`"${token}": unknown check "${kind}" (use role, rule, ${CREDENTIAL_FIELDS.join(', ')}, @ or !)`);
  }
  const ref = TARGET_REF.exec(value);
  if (ref) return { kind: 'match', field: kind, targetKey: ref[1] };
  if (value.includes('%(')) throw new PolicySyntaxError(`"${token}": a target reference is written %(name)s`);
  return { kind: 'match', field: kind, literal: value };
}

// The legacy JSON form: a list of lists of checks, the outer list or-ed, each inner list and-ed.
export function parseLegacyPolicy(lists: unknown): PolicyNode {
  if (!Array.isArray(lists)) throw new PolicySyntaxError('a rule must be a string or a list of lists of checks');
  if (lists.length === 0) return { kind: 'always' };
  const items = lists.map((inner): PolicyNode => {
    if (!Array.isArray(inner) || inner.length === 0 || !inner.every((item) => typeof item === 'string')) {
      throw new PolicySyntaxError('each entry of a list rule must be a non-empty list of checks');
    }
    const checks = inner.map((item: string) => check(item.trim()));
    return checks.length === 1 ? checks[0] : { kind: 'and', items: checks };
  });
  return items.length === 1 ? items[0] : { kind: 'or', items };
}

// The rules a node refers to with `rule:`.
export function referencedRules(node: PolicyNode, into: Set<string> = new Set()): Set<string> {
  switch (node.kind) {
    case 'rule':
      into.add(node.name);
      break;
    case 'and':
    case 'or':
      node.items.forEach((item) => referencedRules(item, into));
      break;
    case 'not':
      referencedRules(node.item, into);
      break;
    default:
      break;
  }
  return into;
}
