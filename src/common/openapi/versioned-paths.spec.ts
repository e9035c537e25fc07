// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import {
  PROJECT_ID_PARAMETER,
  isV1Path,
  openApiPathProblems,
  pathTemplateNames,
  versionOpenApiPaths,
} from './versioned-paths.js';

const LIMIT = { name: 'limit', in: 'query' as const, required: false, schema: { type: 'integer' } };
const BACKUP_ID = { name: 'backup_id', in: 'path' as const, required: true, schema: { type: 'string' } };

function op(operationId: string, extra: Partial<OperationObject> = {}): OperationObject {
  return { operationId, summary: 'A summary', parameters: [], responses: { 200: { description: '' } }, ...extra };
}

function doc(paths: OpenAPIObject['paths']): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '2' }, paths, components: {} };
}

// What @nestjs/swagger emits for @Controller(['v2/:project_id/backups', 'v1/backups']): the same
// operation, object and all, under both paths.
function generated(): OpenAPIObject {
  const list = op('listBackups', { parameters: [LIMIT] });
  const get = op('getBackup', { parameters: [BACKUP_ID] });
  return doc({
    '/': { get: op('listVersions') },
    '/v1': { get: op('getHomeV1') },
    '/v2': { get: op('getHomeV2') },
    '/v2/{project_id}/backups': { get: list },
    '/v1/backups': { get: list },
    '/v2/{project_id}/backups/{backup_id}': { get, delete: op('deleteBackup', { parameters: [BACKUP_ID] }) },
    '/v1/backups/{backup_id}': { get, delete: op('deleteBackup', { parameters: [BACKUP_ID] }) },
  });
}

describe('pathTemplateNames', () => {
  it('lists the names between braces in order', () => {
    expect(pathTemplateNames('/v2/{project_id}/backups/{backup_id}')).toEqual(['project_id', 'backup_id']);
    expect(pathTemplateNames('/v1/backups')).toEqual([]);
  });
});

describe('isV1Path', () => {
  it('is /v1 and what lies under it, nothing else', () => {
    expect(['/v1', '/v1/backups', '/v1/backups/{backup_id}'].map(isV1Path)).toEqual([true, true, true]);
    expect(['/', '/v2', '/v2/{project_id}/backups', '/v10/x', '/v1x', '/healthcheck'].map(isV1Path)).toEqual([
      false, false, false, false, false, false,
    ]);
  });
});

describe('versionOpenApiPaths', () => {
  it('declares {project_id} first on v2 operations and keeps their operationId', () => {
    const out = versionOpenApiPaths(generated());
    expect(out.paths['/v2/{project_id}/backups']!.get).toEqual({
      ...op('listBackups'),
      parameters: [PROJECT_ID_PARAMETER, LIMIT],
    });
    expect(out.paths['/v2/{project_id}/backups/{backup_id}']!.delete).toEqual({
      ...op('deleteBackup'),
      parameters: [PROJECT_ID_PARAMETER, BACKUP_ID],
    });
  });

  it('describes project_id as a required string checked against the caller (D5)', () => {
    expect(PROJECT_ID_PARAMETER).toEqual({
      name: 'project_id',
      in: 'path',
      required: true,
      description:
        "The caller's project. A caller whose identity carries a project may only name that project, " +
        'unless it has the admin role; otherwise 403 Access Forbidden.',
      schema: { type: 'string' },
    });
  });

  it('suffixes v1 operationIds with V1, marks them deprecated and gives them no project_id', () => {
    const out = versionOpenApiPaths(generated());
    expect(out.paths['/v1/backups']!.get).toEqual({ ...op('listBackupsV1'), parameters: [LIMIT], deprecated: true });
    expect(out.paths['/v1/backups/{backup_id}']!.get).toEqual({ ...op('getBackupV1'), parameters: [BACKUP_ID], deprecated: true });
  });

  it('keeps an operationId that already ends in V1, and deprecates the v1 home document', () => {
    const out = versionOpenApiPaths(generated());
    expect(out.paths['/v1']!.get).toEqual({ ...op('getHomeV1'), deprecated: true });
    expect(out.paths['/v2']!.get).toEqual(op('getHomeV2'));
    expect(out.paths['/']!.get).toEqual(op('listVersions'));
  });

  it('drops a project_id path parameter a handler declared from v1 paths and does not repeat it on v2', () => {
    const ownProjectId = { name: 'project_id', in: 'path' as const, required: true, schema: { type: 'string' } };
    const shared = op('listBackups', { parameters: [ownProjectId, LIMIT] });
    const out = versionOpenApiPaths(doc({ '/v2/{project_id}/backups': { get: shared }, '/v1/backups': { get: shared } }));
    expect(out.paths['/v2/{project_id}/backups']!.get!.parameters).toEqual([PROJECT_ID_PARAMETER, LIMIT]);
    expect(out.paths['/v1/backups']!.get!.parameters).toEqual([LIMIT]);
  });

  it('leaves its input untouched', () => {
    const input = generated();
    const before = JSON.parse(JSON.stringify(input)) as unknown;
    versionOpenApiPaths(input);
    expect(input).toEqual(before);
  });

  it('returns a document without problems', () => {
    expect(openApiPathProblems(versionOpenApiPaths(generated()))).toEqual([]);
  });

  it('throws, listing every problem, when the result would still be invalid', () => {
    const input = doc({
      '/v1/a': { get: op('listThings') },
      '/v1/b': { get: op('listThingsV1') },
      '/v2/{project_id}/things/{thing_id}': { get: op('getThing') },
    });
    expect(() => versionOpenApiPaths(input)).toThrow(
      'Invalid OpenAPI document:\n' +
        '- GET /v1/b repeats operationId listThingsV1 of GET /v1/a\n' +
        '- GET /v2/{project_id}/things/{thing_id} does not declare path parameter thing_id',
    );
  });
});

describe('openApiPathProblems', () => {
  it('reports a missing operationId, an undeclared or optional path parameter and one absent from the path', () => {
    const input = doc({
      '/x/{a}/{b}': {
        get: { responses: {}, parameters: [{ name: 'a', in: 'path', required: false }] },
        put: op('putX', { parameters: [{ name: 'a', in: 'path', required: true }, { name: 'b', in: 'path', required: true }, { name: 'c', in: 'path', required: true }] }),
      },
    });
    expect(openApiPathProblems(input)).toEqual([
      'GET /x/{a}/{b} has no operationId',
      'GET /x/{a}/{b} path parameter a is not required',
      'GET /x/{a}/{b} does not declare path parameter b',
      'PUT /x/{a}/{b} declares path parameter c absent from the path',
    ]);
  });

  it('counts path parameters declared on the path item, the operation overriding them by name', () => {
    const input = doc({
      '/x/{a}': { parameters: [{ name: 'a', in: 'path', required: true }], get: op('getX'), post: op('postX', { parameters: [{ name: 'a', in: 'path', required: false }] }) },
    });
    expect(openApiPathProblems(input)).toEqual(['POST /x/{a} path parameter a is not required']);
  });
});
