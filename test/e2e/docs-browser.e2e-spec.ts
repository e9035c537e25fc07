// SPDX-License-Identifier: Apache-2.0
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../utils/chromium.js';
import { createTestApp } from '../utils/create-test-app.js';

// Swagger UI at /docs, rendered by a real headless Chromium (Debian's package; playwright-core
// never downloads a browser of its own): the page must show every operation of /openapi.json.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface RenderedOperation {
  id: string;
  method: string;
  path: string;
  summary: string;
  deprecated: boolean;
}

// What Swagger UI should draw for each operation: one block, id operations-<tag>-<operationId>.
function expectedOperations(openApi: OpenAPIObject): RenderedOperation[] {
  return Object.entries(openApi.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => {
      const operation = item[method] as OperationObject;
      return {
        id: `operations-${operation.tags?.[0] ?? 'default'}-${operation.operationId}`,
        method: method.toUpperCase(),
        path,
        summary: operation.summary ?? '',
        deprecated: operation.deprecated === true,
      };
    }),
  );
}

function byId(a: RenderedOperation, b: RenderedOperation): number {
  return a.id.localeCompare(b.id);
}

describe('GET /docs in headless Chromium', () => {
  let app: NestExpressApplication;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('renders every operation of /openapi.json with its method, path, summary and deprecation', async () => {
    const openApi = (await (await fetch(`${origin}/openapi.json`)).json()) as OpenAPIObject;
    const expected = expectedOperations(openApi).sort(byId);
    expect(expected.length).toBeGreaterThan(10);

    const context = await browser.newContext({ viewport: { width: 1280, height: 1024 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('request', (req) => {
      if (!req.url().startsWith(`${origin}/`)) foreignRequests.push(req.url());
    });

    const response = await page.goto(`${origin}/docs`);
    expect(response?.status()).toBe(200);
    // Swagger UI fetches /openapi.json and renders client-side: wait for the last block to appear.
    await page.locator('.opblock').nth(expected.length - 1).waitFor({ timeout: 30_000 });

    expect(await page.title()).toBe('Freezer API');
    await expect(page.locator('.information-container .title').innerText()).resolves.toMatch(/^Freezer API/);

    const rendered = await page.$$eval('.opblock', (blocks) =>
      blocks.map((block) => ({
        id: block.id,
        method: block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '',
        // The visible path text (deprecated operations draw it struck through, in another class).
        path: block.querySelector('.opblock-summary [data-path]')?.textContent ?? '',
        summary: block.querySelector('.opblock-summary-description')?.textContent?.trim() ?? '',
        deprecated: block.classList.contains('opblock-deprecated'),
      })),
    );
    expect(rendered.sort(byId)).toEqual(expected);
    expect(rendered.map((op) => op.path)).toEqual(
      expect.arrayContaining(['/v2/{project_id}/backups', '/v2/{project_id}/backups/{backup_id}', '/v1/clients']),
    );

    // Opening a v2 operation shows its project_id path parameter and the search body.
    const list = page.locator('#operations-backups-listBackups');
    await list.locator('.opblock-summary-control').click();
    const projectId = list.locator('tr[data-param-name="project_id"][data-param-in="path"]');
    // Swagger UI marks a required parameter with a non-breaking space and a star.
    await expect(projectId.locator('.parameter__name.required').innerText()).resolves.toBe('project_id\u00a0*');
    await expect(projectId.locator('.parameter__type').innerText()).resolves.toBe('string');
    await expect(projectId.locator('.parameters-col_description .renderedMarkdown').innerText()).resolves.toBe(
      "The caller's project. A caller whose identity carries a project may only name that project, " +
        'unless it has the admin role; otherwise 403 Access Forbidden.',
    );
    await expect(list.locator('.opblock-section-request-body .opblock-description-wrapper').innerText()).resolves.toContain(
      'Optional search document, sent as the body of the GET.',
    );

    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await context.close();
  });
});
