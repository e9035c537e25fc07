// SPDX-License-Identifier: Apache-2.0
import type { Owner } from '../../common/auth/request-context.js';
import type { SqlParams } from '../../common/search/sql-params.js';

// Whose documents a computation covers: one owner (and project) for a report, or everyone for
// the metrics.
export interface StatusScope {
  ownerId: string | null;
  projectId: string | null;
}

export const EVERYONE: StatusScope = { ownerId: null, projectId: null };

export const scopeOf = (owner: Owner): StatusScope => ({ ownerId: owner.ownerId, projectId: owner.projectFilter });

// The conditions on a table's owner and project columns (`projectColumn` may be an expression).
export function scopeConditions(scope: StatusScope, params: SqlParams, alias: string, projectColumn = `${alias}.project_id`): string {
  const conditions = ['true'];
  if (scope.ownerId !== null) conditions.push(`${alias}.owner_id = ${params.add(scope.ownerId)}`);
  if (scope.projectId !== null) conditions.push(`${projectColumn} = ${params.add(scope.projectId)}`);
  return conditions.join(' AND ');
}
