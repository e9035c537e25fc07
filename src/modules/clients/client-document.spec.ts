// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import type { Owner } from '../../common/auth/request-context.js';
import { buildClientDocument, reregisteredClient } from './client-document.js';

const owner: Owner = { api: 'v2', ownerId: 'u1', projectFilter: 'p1', projectId: 'p1', userId: 'u1', userName: null };

describe('reregisteredClient', () => {
  const stored = buildClientDocument(owner, { client_id: 'p1_node1', hostname: 'node1', description: 'd', supported_modes: ['fs'], rack: 'r1' });

  it('takes the keys the new body carries and keeps the rest, the uuid and the owner', () => {
    const next = reregisteredClient(stored, { client_id: 'p1_node1', uuid: 'other', supported_modes: ['fs', 'mysql'], is_central: false });
    expect(next).toEqual({ ...stored, client: { ...stored.client, supported_modes: ['fs', 'mysql'], is_central: false } });
  });

  it('changes nothing for the same body', () => {
    expect(reregisteredClient(stored, { client_id: 'p1_node1', hostname: 'node1' })).toEqual(stored);
  });
});
