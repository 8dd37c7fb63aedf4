// What a developer trying the API by hand runs into: the wrong Content-Type, missing and unknown
// fields, fields that do not apply, wrong methods and paths, oversized headers. Each answer
// names the problem in the catalog's error shape.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { aProject, anOfflineApp, bearer, type TestProject } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

describe('request errors', () => {
  const vault = useTestVault();
  let project: TestProject;

  beforeAll(async () => {
    project = await aProject(vault, 'Request errors');
    await anOfflineApp(vault, project.projectId);
  });

  const session = { tenantId: 'org_acme', userId: 'user_1', credentialFor: 'user', provider: 'microsoft-onedrive' };

  describe('Content-Type', () => {
    it('names a form-encoded body (curl -d) as the wrong Content-Type, 415', async () => {
      const res = await vault
        .api()
        .post('/v1/connect-sessions')
        .set(bearer(project.key))
        .set('content-type', 'application/x-www-form-urlencoded')
        .send(JSON.stringify(session));
      expect(res.status).toBe(415);
      expect(res.body.error).toMatchObject({
        code: 'unsupported_media_type',
        message: 'The request body must be JSON; it was sent with Content-Type "application/x-www-form-urlencoded".',
        remediation: expect.stringContaining('Content-Type: application/json'),
      });
      expect(JSON.stringify(res.body)).not.toMatch(/Unrecognized key|tenantId/);
    });

    it('names a body sent without any Content-Type, 415', async () => {
      const res = await rawRequest('POST', '/v1/connect-sessions', {
        headers: { authorization: `Bearer ${project.key}` },
        body: JSON.stringify(session),
      });
      expect(res.status).toBe(415);
      expect(JSON.parse(res.body).error).toMatchObject({
        code: 'unsupported_media_type',
        message: 'The request body must be JSON; it was sent with no Content-Type.',
      });
    });

    it('asks for a JSON body when none was sent', async () => {
      const res = await vault.api().post('/v1/connect-sessions').set(bearer(project.key));
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { path: '', in: 'body', message: 'a JSON body is required (Content-Type: application/json)' },
      ]);
    });
  });

  describe('fields', () => {
    it('says "required" for each missing field and lists the allowed values', async () => {
      const res = await vault
        .api()
        .post('/v1/connect-sessions')
        .set(bearer(project.key))
        .send({ provider: 'microsoft-onedrive' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details).toEqual([
        { path: 'tenantId', in: 'body', message: 'required' },
        { path: 'credentialFor', in: 'body', message: 'required: one of "installation", "user"' },
      ]);
      expect(res.body.error.message).toBe(
        'The request body is invalid: tenantId: required; credentialFor: required: one of "installation", "user" (see details).',
      );
      expect(JSON.stringify(res.body)).not.toMatch(/Invalid option|received undefined/);
    });

    it('lists each unknown key with a "did you mean"', async () => {
      const res = await vault
        .api()
        .post('/v1/connect-sessions')
        .set(bearer(project.key))
        .send({ ...session, tenantid: 'org_acme', retrunTo: 'https://app.example.com' });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { path: 'tenantid', in: 'body', message: 'unknown field; did you mean "tenantId"?' },
        { path: 'retrunTo', in: 'body', message: 'unknown field; did you mean "returnTo"?' },
      ]);
    });

    it('refuses unknown keys on POST /v1/apps as PATCH does (nothing stored)', async () => {
      const body = {
        name: 'typo',
        clientId: '11111111-2222-4333-8444-555555555555',
        credential: { type: 'secret', secret: 'a-secret-value-123' },
        allowedOrigin: ['https://app.example.com'],
      };
      const res = await vault.api().post('/v1/apps').set(bearer(project.key)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { path: 'allowedOrigin', in: 'body', message: 'unknown field; did you mean "allowedOrigins"?' },
      ]);
      const list = await vault.api().get('/v1/apps').set(bearer(project.key)).expect(200);
      expect(list.body.data.map((app: { name: string }) => app.name)).not.toContain('typo');
    });

    it('refuses unknown query parameters', async () => {
      const res = await vault.api().get('/v1/installations?tenant=org_acme').set(bearer(project.key));
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { path: 'tenant', in: 'query', message: 'unknown field; did you mean "tenantId"?' },
      ]);
    });

    it('refuses a userId on an installation connect session instead of dropping it', async () => {
      const res = await vault
        .api()
        .post('/v1/connect-sessions')
        .set(bearer(project.key))
        .send({ ...session, credentialFor: 'installation' });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        {
          path: 'userId',
          in: 'body',
          message: 'does not apply to credentialFor installation (an installation is the whole tenant)',
        },
      ]);
    });
  });

  describe('routes', () => {
    it('answers a wrong method with 405 and the methods of the path in Allow', async () => {
      const res = await vault.api().delete('/v1/tenants').set(bearer(project.key));
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.body.error).toEqual({
        code: 'method_not_allowed',
        message: 'DELETE is not allowed on /v1/tenants; it takes GET, HEAD.',
        remediation: 'Use one of the methods in the Allow header; see /docs.',
      });
    });

    it('answers 405 for a path with parameters too', async () => {
      const res = await vault.api().put('/v1/apps/app_123').set(bearer(project.key));
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    });

    it('answers an unknown path with 404 naming the method and path (not the query) and pointing at /docs', async () => {
      const res = await vault.api().get('/v1/credential/microsoft-onedrive?code=abc123canary').set(bearer(project.key));
      expect(res.status).toBe(404);
      expect(res.body.error).toEqual({
        code: 'not_found',
        message: 'No route GET /v1/credential/microsoft-onedrive.',
        remediation: 'See /docs for the routes of this API.',
      });
      expect(res.text).not.toContain('abc123canary');
    });
  });

  describe('headers', () => {
    it('answers oversized headers in the stable error shape, 431', async () => {
      const res = await rawRequest('GET', '/v1/tenants', { headers: { 'x-padding': 'a'.repeat(20_000) } });
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(res.body)).toEqual({
        error: {
          code: 'request_header_too_large',
          message: 'The request headers are too large.',
          remediation: 'Send fewer or shorter headers (cookies included); the limit is 16 KiB.',
        },
      });
    });
  });

  // A listening server, for what supertest cannot send (no Content-Type, oversized headers); the
  // vault closes it.
  let address: AddressInfo;
  beforeAll(async () => {
    await new Promise<void>((resolve) => vault.server().listen(0, '127.0.0.1', resolve));
    address = vault.server().address() as AddressInfo;
  });

  function rawRequest(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: address.port, method, path, headers: options.headers },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }
});
