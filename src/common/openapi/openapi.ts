// SPDX-License-Identifier: Apache-2.0
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { versionOpenApiPaths } from './versioned-paths.js';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Freezer API')
    .setDescription(
      'OpenStack Freezer backup metadata and job scheduling API. v2 routes live under /v2/{project_id}; ' +
        'v1 (deprecated) under /v1. Every error is {"title", "description"}. List searches travel in the GET body.',
    )
    .setVersion('2')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }, 'keystone')
    .addSecurityRequirements('keystone')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
  // Routes that need no identity (D18) say so, instead of inheriting the global requirement.
  for (const path of PUBLIC_PATHS) {
    for (const operation of Object.values(document.paths[path] ?? {})) {
      if (typeof operation === 'object' && operation !== null && 'responses' in operation) operation.security = [];
    }
  }
  describeBareResponses(document);
  // One controller serves /v2/{project_id}/x and /v1/x: give each copy its own parameters and id.
  return versionOpenApiPaths(document);
}

// A response declared by its body type alone comes out with an empty description: give it the
// status's own words ("Created", "No Content"), which its schema then details.
function describeBareResponses(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      for (const [status, response] of Object.entries(operation.responses as Record<string, { description?: string }>)) {
        if (response.description === '') response.description = STATUS_CODES[status] ?? status;
      }
    }
  }
}

const PUBLIC_PATHS = ['/', '/healthcheck', '/readyz'];

// Swagger UI at /docs, the document at /openapi.json (both public, D18).
export function mountOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'Freezer API',
  });
}
