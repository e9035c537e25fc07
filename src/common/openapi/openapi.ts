// SPDX-License-Identifier: Apache-2.0
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

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
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
}

// Swagger UI at /docs, the document at /openapi.json (both public, D18).
export function mountOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'Freezer API',
  });
}
