// SPDX-License-Identifier: Apache-2.0
import type { OpenAPIObject, OperationObject, ParameterObject, PathItemObject, ReferenceObject } from '@nestjs/swagger';

// One controller class serves both API versions (@Controller(['v2/:project_id/x', 'v1/x'])), so
// @nestjs/swagger emits each handler twice with the same operation. This pass makes the two copies
// what they are: v2 declares its {project_id} path parameter, v1 has none, is deprecated and gets
// its own operationId (`listBackups` on v2, `listBackupsV1` on v1).

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const V1_OPERATION_SUFFIX = 'V1';

export const PROJECT_ID_PARAMETER: ParameterObject = {
  name: 'project_id',
  in: 'path',
  required: true,
  description:
    "The caller's project. A caller whose identity carries a project may only name that project, " +
    'unless it has the admin role; otherwise 403 Access Forbidden.',
  schema: { type: 'string' },
};

export function isV1Path(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/');
}

// The names between braces, in order: `/v2/{project_id}/backups/{backup_id}` → project_id, backup_id.
export function pathTemplateNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}

// Returns a new document (the input is left untouched) and throws if the result is not a valid
// set of OpenAPI 3 paths: see openApiPathProblems().
export function versionOpenApiPaths(document: OpenAPIObject): OpenAPIObject {
  // Through JSON, not structuredClone: the generator may share one object between the v1 and the v2
  // copy of an operation, and structuredClone would keep them shared.
  const result = JSON.parse(JSON.stringify(document)) as OpenAPIObject;
  for (const [path, item] of Object.entries(result.paths)) {
    const hasProjectId = pathTemplateNames(path).includes(PROJECT_ID_PARAMETER.name);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const others = (operation.parameters ?? []).filter((parameter) => !isProjectIdPathParameter(parameter));
      operation.parameters = hasProjectId ? [{ ...PROJECT_ID_PARAMETER }, ...others] : others;
      if (isV1Path(path)) {
        operation.deprecated = true;
        if (operation.operationId && !operation.operationId.endsWith(V1_OPERATION_SUFFIX)) {
          operation.operationId += V1_OPERATION_SUFFIX;
        }
      }
    }
  }
  const problems = openApiPathProblems(result);
  if (problems.length > 0) throw new Error(`Invalid OpenAPI document:\n- ${problems.join('\n- ')}`);
  return result;
}

// What makes the paths invalid OpenAPI 3: an operation without an operationId, an operationId used
// twice, a {name} in the path without a required `in: path` parameter, or a path parameter that
// is not in the path.
export function openApiPathProblems(document: OpenAPIObject): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    const inTemplate = pathTemplateNames(path);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!operation.operationId) {
        problems.push(`${where} has no operationId`);
      } else if (seen.has(operation.operationId)) {
        problems.push(`${where} repeats operationId ${operation.operationId} of ${seen.get(operation.operationId)}`);
      } else {
        seen.set(operation.operationId, where);
      }
      const declared = pathParameters(item, operation);
      for (const name of inTemplate) {
        const parameter = declared.find((candidate) => candidate.name === name);
        if (!parameter) problems.push(`${where} does not declare path parameter ${name}`);
        else if (parameter.required !== true) problems.push(`${where} path parameter ${name} is not required`);
      }
      for (const parameter of declared) {
        if (!inTemplate.includes(parameter.name)) problems.push(`${where} declares path parameter ${parameter.name} absent from the path`);
      }
    }
  }
  return problems;
}

function pathParameters(item: PathItemObject, operation: OperationObject): ParameterObject[] {
  const own = (operation.parameters ?? []).filter(isPathParameter);
  const inherited = (item.parameters ?? []).filter(isPathParameter).filter((p) => !own.some((o) => o.name === p.name));
  return [...own, ...inherited];
}

function isPathParameter(parameter: ParameterObject | ReferenceObject): parameter is ParameterObject {
  return 'in' in parameter && parameter.in === 'path';
}

function isProjectIdPathParameter(parameter: ParameterObject | ReferenceObject): boolean {
  return isPathParameter(parameter) && parameter.name === PROJECT_ID_PARAMETER.name;
}
