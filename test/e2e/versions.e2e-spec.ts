// SPDX-License-Identifier: Apache-2.0
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestApp } from '../utils/create-test-app.js';
import { identityHeaders, newIdentity } from '../utils/keystone-headers.js';

describe('versions', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  describe('GET /', () => {
    it('answers 300 with v2 CURRENT then v1 DEPRECATED, links built from the request host', async () => {
      const res = await request(app.getHttpServer()).get('/').set('Host', 'freezer.example.com:9090');
      expect(res.status).toBe(300);
      expect(res.body).toEqual({
        versions: [
          { id: 'v2', status: 'CURRENT', updated: '2018-02-21T13:30:00', links: [{ href: 'http://freezer.example.com:9090/v2/', rel: 'self' }] },
          { id: 'v1', status: 'DEPRECATED', updated: '2018-02-21T13:30:00', links: [{ href: 'http://freezer.example.com:9090/v1/', rel: 'self' }] },
        ],
      });
      const other = await request(app.getHttpServer()).get('/').set('Host', 'other.example.org');
      expect(other.body.versions[0].links[0].href).toBe('http://other.example.org/v2/');
    });
  });

  describe('GET /v2', () => {
    it('serves the JSON-home document, pretty-printed, with and without a trailing slash (rel/jobs and rel/job as freezer 2026)', async () => {
      for (const path of ['/v2', '/v2/']) {
        const res = await request(app.getHttpServer()).get(path).set(identityHeaders(newIdentity()));
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json-home/);
        expect(res.text).toContain('\n    "resources": {');
        expect(JSON.parse(res.text)).toEqual({
          resources: {
            'rel/backups': {
              'href-template': '/v2/{project_id}/backups/{backup_id}',
              'href-vars': { project_id: 'param/project_id', backup_id: 'param/backup_id' },
              hints: { allow: ['GET'], formats: { 'application/json': {} } },
            },
            'rel/jobs': {
              'href-template': '/v2/{project_id}/jobs{?all_projects,offset,limit}',
              'href-vars': { project_id: 'param/project_id', all_projects: 'param/all_projects', offset: 'param/offset', limit: 'param/limit' },
              hints: { allow: ['GET', 'POST'], formats: { 'application/json': {} } },
            },
            'rel/job': {
              'href-template': '/v2/{project_id}/jobs/{job_id}',
              'href-vars': { project_id: 'param/project_id', job_id: 'param/job_id' },
              hints: { allow: ['GET', 'PATCH', 'POST', 'DELETE'], formats: { 'application/json': {} } },
            },
          },
        });
      }
    });
  });

  describe('GET /v1', () => {
    it('serves freezer 13\'s v1 JSON-home document unchanged', async () => {
      const res = await request(app.getHttpServer()).get('/v1').set(identityHeaders(newIdentity()));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({
        resources: {
          'rel/backups': {
            'href-template': '/v1/backups/{backup_id}',
            'href-vars': { backup_id: 'param/backup_id' },
            hints: { allow: ['GET'], formats: { 'application/json': {} } },
          },
        },
      });
    });
  });

  describe('JSON-home media type', () => {
    it.each(['/v1', '/v1/', '/v2', '/v2/'])('GET %s answers Content-Type application/json-home exactly, no charset', async (path) => {
      const res = await request(app.getHttpServer()).get(path).set(identityHeaders(newIdentity()));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json-home');
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
      expect(JSON.parse(res.text)).toHaveProperty(['resources', 'rel/backups', 'href-template'], `${path.replace(/\/$/, '')}${path.startsWith('/v2') ? '/{project_id}' : ''}/backups/{backup_id}`);
    });
  });
});
