// /docs is generated from @authpipe/contract's route definitions, the ones the controllers serve:
// every operation documents its answer, the error model and its error codes, grouped by tag.
import { ADMIN_ROUTES, ERROR_CODES, ROUTE_TAGS, ROUTES, routerPath } from '@authpipe/contract';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { describe, expect, it } from 'vitest';
import { useTestVault } from '@test/support/test-vault';
import { AdminController } from '../../../apps/vault/src/admin/admin.controller';
import { servedRoutes } from '../../../apps/vault/src/common/request-guards';

describe('GET /docs', () => {
  const vault = useTestVault();
  const contract = [...Object.values(ROUTES), ...Object.values(ADMIN_ROUTES)];

  it('is titled Authpipe', async () => {
    const page = await vault.api().get('/docs').expect(200);
    expect(page.text).toContain('<title>Authpipe API</title>');
    const doc = await vault.api().get('/docs-json').expect(200);
    expect(doc.body.info.title).toBe('Authpipe');
  });

  it('serves exactly the routes the contract defines under /v1', () => {
    const served = servedRoutes(vault.app.getHttpAdapter().getInstance()).filter(
      (route) => /^[A-Z]+ \/v1\//.test(route) && !route.startsWith('HEAD '),
    );
    const defined = Object.values(ROUTES)
      .filter((r) => r.path.startsWith('/v1/'))
      .map((r) => `${r.method} ${routerPath(r)}`);
    expect([...new Set(served)].sort()).toEqual(defined.sort());
  });

  it('declares exactly the admin routes the contract defines (served only beside an embedded database)', () => {
    const declared = Object.getOwnPropertyNames(AdminController.prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => {
        const handler = (AdminController.prototype as unknown as Record<string, object>)[name];
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        return `${method} ${Reflect.getMetadata(PATH_METADATA, handler) as string}`;
      });
    expect(declared.sort()).toEqual(
      Object.values(ADMIN_ROUTES)
        .map((r) => `${r.method} ${routerPath(r)}`)
        .sort(),
    );
  });

  it('documents every operation with its answer, its error responses and a described tag', async () => {
    const doc = (await vault.api().get('/docs-json').expect(200)).body;
    expect(doc.tags.map((tag: { name: string }) => tag.name)).toEqual(ROUTE_TAGS.map((tag) => tag.name));
    for (const route of contract) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.summary).toBeTruthy();
      expect(ROUTE_TAGS.map((tag) => tag.name)).toContain(operation.tags[0]);
      const success = operation.responses[String(route.response.status)];
      if (route.response.status !== 204) {
        expect(success.content['application/json'].schema, `${route.method} ${route.path}`).toBeDefined();
      }
      const errors = Object.keys(operation.responses).filter((status) => Number(status) >= 400);
      expect(errors.length).toBeGreaterThan(0);
      for (const status of errors) {
        expect(operation.responses[status].content['application/json'].schema.allOf[0].$ref).toBe(
          '#/components/schemas/ErrorResponse',
        );
      }
    }
  });

  it("documents getCredential's answer and refusals", async () => {
    const doc = (await vault.api().get('/docs-json').expect(200)).body;
    const operation = doc.paths['/v1/credentials/{provider}'].get;
    expect(Object.keys(operation.responses['200'].content['application/json'].schema.properties)).toEqual([
      'credential',
      'tokenType',
      'expiresAt',
      'scopes',
      'credentialId',
      'credentialFor',
      'cloud',
      'graphBaseUrl',
      'account',
      'resource',
      'status',
    ]);
    expect(Object.keys(operation.responses['409'].content['application/json'].examples)).toEqual([
      'needs_reauth',
      'revoked',
      'access_lost',
      'app_misconfigured',
    ]);
    expect(operation.responses['503'].headers['Retry-After']).toBeDefined();
    expect(operation.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:provider',
      'query:tenantId',
      'query:userId',
      'query:credentialFor',
      'query:forceRefresh',
    ]);
  });

  it('documents the Graph proxy (a raw route) per method, with its headers and refusals', async () => {
    const doc = (await vault.api().get('/docs-json').expect(200)).body;
    const path = doc.paths['/v1/proxy/{provider}/{path}'];
    expect(Object.keys(path).sort()).toEqual(['delete', 'get', 'patch', 'post', 'put']);
    const operation = path.put;
    expect(operation.tags).toEqual(['proxy']);
    expect(operation.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:provider',
      'path:path',
      'header:Authpipe-Tenant-Id',
      'header:Authpipe-User-Id',
    ]);
    expect(operation.parameters.find((p: { name: string }) => p.name === 'Authpipe-Tenant-Id').required).toBe(true);
    expect(operation.parameters.find((p: { name: string }) => p.name === 'Authpipe-User-Id').required).toBe(false);
    expect(operation.responses['200'].headers['Authpipe-Upstream']).toBeDefined();
    expect(Object.keys(operation.responses['400'].content['application/json'].examples)).toContain(
      'proxy_target_not_allowed',
    );
    expect(Object.keys(operation.responses['408'].content['application/json'].examples)).toEqual(['request_timeout']);
    expect(Object.keys(operation.responses['409'].content['application/json'].examples)).toContain('needs_reauth');
    expect(Object.keys(operation.responses['502'].content['application/json'].examples)).toEqual([
      'provider_unavailable',
    ]);
    expect(operation.responses['503'].headers['Retry-After']).toBeDefined();
    expect(operation.responses['401']).toBeDefined();
    expect(operation.responses['415']).toBeUndefined();
  });

  it('presents the whole error catalog', async () => {
    const doc = (await vault.api().get('/docs-json').expect(200)).body;
    for (const code of ERROR_CODES) expect(doc.info.description).toContain(`| \`${code}\` |`);
    expect(doc.components.schemas.ErrorResponse.properties.error.properties.code.enum).toEqual(ERROR_CODES);
  });
});
