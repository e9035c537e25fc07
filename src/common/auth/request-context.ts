// SPDX-License-Identifier: Apache-2.0
import type { FreezerScope } from '../../config/env.validation.js';

// Who is calling: freezer's ContextMiddleware, field for field (api/common/middleware.py).
export interface RequestContext {
  userId: string;
  userName: string | null;
  projectId: string | null;
  roles: string[];
  isAdmin: boolean;
  requestId: string;
}

// Under which key a request reads and writes documents (D4). Repositories take it first.
export interface Owner {
  api: 'v1' | 'v2';
  // the key every row is stored and looked up under: the user, or the project in scope `project`
  ownerId: string;
  // v2 reads only the path project's documents; v1 reads all of the owner's
  projectFilter: string | null;
  // the project_id written into new documents
  projectId: string | null;
  userId: string;
  userName: string | null;
}

export interface AuthenticatedRequestState {
  ctx: RequestContext;
  owner: Owner | null;
}

export function ownerFor(ctx: RequestContext, scope: FreezerScope, pathProjectId: string | undefined): Owner | null {
  const base = { userId: ctx.userId, userName: ctx.userName };
  if (pathProjectId !== undefined) {
    const ownerId = scope === 'project' ? pathProjectId : ctx.userId;
    return { ...base, api: 'v2', ownerId, projectFilter: pathProjectId, projectId: pathProjectId };
  }
  // v1 has no project in its URLs, so it cannot be served when projects own the documents.
  if (scope === 'project') return null;
  return { ...base, api: 'v1', ownerId: ctx.userId, projectFilter: null, projectId: ctx.projectId };
}
