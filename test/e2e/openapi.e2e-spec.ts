// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ModulesContainer } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject, OperationObject, ParameterObject, ResponseObject } from '@nestjs/swagger';
import request from 'supertest';
import { createTestApp } from '../utils/create-test-app.js';

// The guard-rail of style §11: the document served at /openapi.json describes every route the
// application serves, with ids, parameters, bodies and responses a client generator can use.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const ERROR_BODY = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBodyDto' } } };
// Served by SwaggerModule.setup() itself, not by a controller.
const DOCS_ROUTE = /^\/docs(\/|$)|^\/openapi\.(json|yaml)$/;

interface Operation {
  key: string; // "GET /v2/{project_id}/backups"
  method: string;
  path: string;
  operation: OperationObject;
}

function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

function operationsOf(document: OpenAPIObject): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      key: `${method.toUpperCase()} ${path}`,
      method,
      path,
      operation: item[method]!,
    })),
  );
}

// What Express answers: the route layers of its router, as "METHOD /path/{param}".
function servedRoutes(app: NestExpressApplication): string[] {
  const stack = (app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: unknown; methods: Record<string, boolean> } }> } })
    .router.stack;
  return stack.flatMap((layer) => {
    if (!layer.route) return [];
    const { path, methods } = layer.route;
    if (typeof path !== 'string') throw new Error(`Route path ${String(path)} is not a string`);
    if (DOCS_ROUTE.test(path)) return [];
    return Object.keys(methods).map((method) => `${method.toUpperCase()} ${openApiPath(path)}`);
  });
}

// What the controllers declare, from Nest's route metadata: each route and whether its handler
// reads a @Body().
function controllerRoutes(app: NestExpressApplication): Array<{ key: string; takesBody: boolean }> {
  const routes: Array<{ key: string; takesBody: boolean }> = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const suffixes = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (suffixes === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, unknown>;
        const takesBody = Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.BODY}:`));
        for (const prefix of prefixes) {
          for (const suffix of [suffixes].flat()) {
            const segments = [prefix, suffix].map((part) => part.replace(/^\/+|\/+$/g, '')).filter((part) => part !== '');
            routes.push({ key: `${method} ${openApiPath(`/${segments.join('/')}`)}`, takesBody });
          }
        }
      }
    }
  }
  return routes;
}

function isResourcePath(path: string): boolean {
  return path.startsWith('/v1/') || path.startsWith('/v2/{project_id}/');
}

function sorted(values: string[]): string[] {
  return [...values].sort();
}

describe('GET /openapi.json', () => {
  let app: NestExpressApplication;
  let document: OpenAPIObject;
  let operations: Operation[];

  beforeAll(async () => {
    app = await createTestApp();
    const res = await request(app.getHttpServer()).get('/openapi.json');
    expect(res.status).toBe(200);
    document = res.body as OpenAPIObject;
    operations = operationsOf(document);
  });
  afterAll(async () => {
    await app.close();
  });

  it('is an OpenAPI 3 document', () => {
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(document.info).toMatchObject({ title: 'Freezer API', version: '2' });
  });

  it('documents exactly the routes Express serves, each with its method', () => {
    const served = servedRoutes(app);
    expect(served).toEqual(
      expect.arrayContaining([
        'GET /',
        'GET /v2/{project_id}/backups',
        'POST /v2/{project_id}/backups',
        'GET /v2/{project_id}/backups/{backup_id}',
        'DELETE /v2/{project_id}/backups/{backup_id}',
        'GET /v1/backups',
        'DELETE /v1/clients/{client_id}',
        'HEAD /healthcheck',
      ]),
    );
    expect(new Set(served).size).toBe(served.length);
    expect(sorted(operations.map((op) => op.key))).toEqual(sorted(served));
  });

  it('reads the controllers the same way Express serves them (the body check below relies on it)', () => {
    expect(sorted(controllerRoutes(app).map((route) => route.key))).toEqual(sorted(servedRoutes(app)));
  });

  it('gives every operation a unique operationId: the handler name on v2, with a V1 suffix on v1', () => {
    const ids = operations.map((op) => op.operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const byKey = new Map(operations.map((op) => [op.key, op.operation.operationId]));
    expect(byKey.get('GET /v2/{project_id}/backups')).toBe('listBackups');
    expect(byKey.get('GET /v1/backups')).toBe('listBackupsV1');
    expect(byKey.get('DELETE /v1/clients/{client_id}')).toBe('deleteClientV1');
    for (const op of operations.filter((candidate) => candidate.path.startsWith('/v1/'))) {
      const twin = byKey.get(`${op.method.toUpperCase()} ${op.path.replace(/^\/v1\//, '/v2/{project_id}/')}`);
      expect({ key: op.key, operationId: op.operation.operationId }).toEqual({ key: op.key, operationId: `${twin}V1` });
    }
  });

  it('names the policy rule (D16) of every v1 and v2 operation as x-policy, and only those', async () => {
    const { POLICY_RULES } = await import('../../src/common/auth/policies.js');
    for (const op of operations) {
      const rule = (op.operation as unknown as Record<string, unknown>)['x-policy'];
      if (/^\/v(1|2\/\{project_id\})\/./.test(op.path)) expect({ key: op.key, known: Object.hasOwn(POLICY_RULES, String(rule)) }).toEqual({ key: op.key, known: true });
      else expect({ key: op.key, rule }).toEqual({ key: op.key, rule: undefined });
    }
    expect(operations.find((op) => op.key === 'POST /v2/{project_id}/jobs/{job_id}')?.operation).toMatchObject({ 'x-policy': 'jobs:create' });
  });

  it('marks the v1 operations, and only them, deprecated', () => {
    const deprecated = operations.filter((op) => op.operation.deprecated === true).map((op) => op.key);
    const v1 = operations.filter((op) => op.path === '/v1' || op.path.startsWith('/v1/')).map((op) => op.key);
    expect(v1.length).toBeGreaterThan(1);
    expect(sorted(deprecated)).toEqual(sorted(v1));
  });

  it('declares every {param} of a path as a required path parameter, and no other', () => {
    for (const op of operations) {
      const inPath = [...op.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = ((op.operation.parameters ?? []) as ParameterObject[]).filter((parameter) => parameter.in === 'path');
      expect({ key: op.key, names: declared.map((parameter) => parameter.name) }).toEqual({ key: op.key, names: inPath });
      for (const parameter of declared) {
        expect({ key: op.key, name: parameter.name, required: parameter.required, schema: parameter.schema }).toEqual({
          key: op.key,
          name: parameter.name,
          required: true,
          schema: { type: 'string' },
        });
      }
    }
  });

  it('describes project_id on every v2 resource operation as the caller\'s project (D5)', () => {
    const v2 = operations.filter((op) => op.path.startsWith('/v2/{project_id}/'));
    expect(v2.length).toBeGreaterThan(1);
    for (const op of v2) {
      expect({ key: op.key, first: op.operation.parameters?.[0] }).toEqual({
        key: op.key,
        first: {
          name: 'project_id',
          in: 'path',
          required: true,
          description:
            "The caller's project. A caller whose identity carries a project may only name that project, " +
            'unless it has the admin role; otherwise 403 Access Forbidden.',
          schema: { type: 'string' },
        },
      });
    }
  });

  it('gives every operation a 2xx response, except GET / which answers 300 Multiple Choices (D1)', () => {
    const without2xx = operations.filter((op) => !Object.keys(op.operation.responses).some((status) => /^2\d\d$/.test(status)));
    expect(without2xx.map((op) => op.key)).toEqual(['GET /']);
    expect(Object.keys(document.paths['/']!.get!.responses)).toContain('300');
  });

  it('describes every resource success body with a schema, and 204 with none', () => {
    for (const op of operations.filter((candidate) => isResourcePath(candidate.path))) {
      for (const [status, response] of Object.entries(op.operation.responses as Record<string, ResponseObject>)) {
        if (!/^2\d\d$/.test(status)) continue;
        const schema = status === '204' ? undefined : { $ref: expect.stringMatching(/^#\/components\/schemas\/\w+$/) };
        expect({ key: op.key, status, schema: response.content?.['application/json']?.schema }).toEqual({ key: op.key, status, schema });
      }
    }
  });

  it('documents every error response with the {title, description} body (D3)', () => {
    expect(document.components?.schemas?.ErrorBodyDto).toMatchObject({
      type: 'object',
      properties: { title: { type: 'string' }, description: { type: 'string' } },
      required: ['title', 'description'],
    });
    for (const op of operations) {
      for (const [status, response] of Object.entries(op.operation.responses as Record<string, ResponseObject>)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        expect({ key: op.key, status, content: response.content }).toEqual({ key: op.key, status, content: ERROR_BODY });
      }
    }
  });

  it('lists the errors every authenticated resource route can give: 400, 401, 403, 406, 429, 503, and 404 to read, change or delete one document', () => {
    for (const op of operations.filter((candidate) => isResourcePath(candidate.path))) {
      const statuses = Object.keys(op.operation.responses);
      const oneDocument = /\{\w+_id\}$/.test(op.path) && ['get', 'patch', 'delete'].includes(op.method);
      const expected = ['400', '401', '403', '406', '429', '503', ...(oneDocument ? ['404'] : [])];
      expect({ key: op.key, missing: expected.filter((status) => !statuses.includes(status)) }).toEqual({ key: op.key, missing: [] });
    }
  });

  it('declares a JSON requestBody schema on exactly the routes whose handler reads a body', () => {
    const takesBody = controllerRoutes(app).filter((route) => route.takesBody).map((route) => route.key);
    expect(takesBody).toEqual(
      expect.arrayContaining(['POST /v2/{project_id}/backups', 'POST /v1/backups', 'POST /v2/{project_id}/clients', 'POST /v1/clients']),
    );
    const posts = operations.filter((op) => op.method === 'post').map((op) => op.key);
    expect(posts.filter((key) => !takesBody.includes(key))).toEqual([]);
    const withBody = operations.filter((op) => op.operation.requestBody !== undefined).map((op) => op.key);
    expect(sorted(withBody)).toEqual(sorted(takesBody));
    for (const op of operations.filter((candidate) => candidate.operation.requestBody !== undefined)) {
      expect({ key: op.key, requestBody: op.operation.requestBody }).toMatchObject({
        key: op.key,
        requestBody: {
          // A search body is optional (D10); a write needs one.
          required: op.method !== 'get',
          content: { 'application/json': { schema: { $ref: expect.stringMatching(/^#\/components\/schemas\/\w+$/) } } },
        },
      });
    }
  });

  it('documents the search body of list routes as an optional requestBody of the GET', () => {
    const lists = operations.filter((op) => op.method === 'get' && op.operation.requestBody !== undefined);
    expect(lists.map((op) => op.key)).toEqual(expect.arrayContaining(['GET /v2/{project_id}/backups', 'GET /v1/clients']));
    for (const op of lists) {
      expect({ key: op.key, requestBody: op.operation.requestBody }).toEqual({
        key: op.key,
        requestBody: {
          required: false,
          description:
            'Optional search document, sent as the body of the GET. Browsers cannot send a GET body, ' +
            'so "Try it out" fails unless the body is emptied; use the curl command it shows, or python-freezerclient.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/SearchBodyDto' } } },
        },
      });
    }
  });

  it('speaks to API users: no internal labels, and a description for every response', () => {
    // every summary and description, with where it is
    const texts: Array<[string, string]> = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}/${i}`));
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if ((key === 'summary' || key === 'description') && typeof value === 'string') texts.push([`${at}/${key}`, value]);
          else walk(value, `${at}/${key}`);
        }
      }
    };
    walk(document, '');
    expect(texts.length).toBeGreaterThan(200);
    // decision numbers (D1, D13), section signs, the labels of an implementation's notes
    const INTERNAL = /\bD\d{1,2}\b|§|\bREF\b|\[ES\]|\bFIX\b|\bDECIDE\b|\bspec\b|#\d+/;
    expect(texts.filter(([, text]) => INTERNAL.test(text))).toEqual([]);
    expect(texts.filter(([, text]) => text.trim() === '')).toEqual([]);
    for (const { key, operation } of operationsOf(document)) {
      expect([key, (operation.summary ?? '').length > 10]).toEqual([key, true]);
    }
  });

  it('resolves every $ref to a schema of the document', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(0);
    const unresolved = refs.filter((ref) => {
      const name = /^#\/components\/schemas\/(\w+)$/.exec(ref)?.[1];
      return name === undefined || document.components?.schemas?.[name] === undefined;
    });
    expect(unresolved).toEqual([]);
  });
});
