import { describe, expect, it } from 'vitest';
import { useTestVault } from '@test/support/test-vault';

describe('operations endpoints', () => {
  const vault = useTestVault();

  describe('GET /healthz', () => {
    it('answers 200 while the process is up', async () => {
      const res = await vault.api().get('/healthz').expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it("logs the request as a JSON line under the proxy's x-request-id", async () => {
      await vault.api().get('/healthz').set('x-request-id', 'trace-healthz-1').expect(200);
      await expect
        .poll(() => vault.logs.records().find((r) => (r.req as { id?: string } | undefined)?.id === 'trace-healthz-1'))
        .toMatchObject({
          msg: 'request completed',
          req: { method: 'GET', path: '/healthz' },
          res: { statusCode: 200 },
        });
    });
  });

  describe('request log', () => {
    it('names the error code of a 4xx answer', async () => {
      await vault.api().get('/v1/tenants').set('x-request-id', 'trace-4xx-1').expect(401);
      await expect
        .poll(() => vault.logs.records().find((r) => (r.req as { id?: string } | undefined)?.id === 'trace-4xx-1'))
        .toMatchObject({ level: 40, res: { statusCode: 401, errorCode: 'missing_api_key' } });
    });
  });

  describe('GET /readyz', () => {
    it('answers 200 with every check up on a migrated database with keys loaded', async () => {
      const res = await vault.api().get('/readyz').expect(200);
      expect(res.body.status).toBe('ok');
      expect(res.body.details).toMatchObject({
        database: { status: 'up' },
        masterKeys: { status: 'up', currentVersion: 1 },
        migrations: { status: 'up' },
      });
    });

    it('answers 503 not_ready naming the migration when one is pending', async () => {
      const [applied] = await vault.db.query<{ migration_name: string }>(
        'SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1',
      );
      await vault.db.query('UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1', [
        applied.migration_name,
      ]);
      try {
        const res = await vault.api().get('/readyz').expect(503);
        expect(res.body.error.code).toBe('not_ready');
        expect(res.body.error.details.error.migrations).toEqual({ status: 'down', pending: [applied.migration_name] });
        expect(res.body.error.details.details.database.status).toBe('up');
      } finally {
        await vault.db.query('UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE migration_name = $1', [
          applied.migration_name,
        ]);
      }
      await vault.api().get('/readyz').expect(200);
    });
  });

  describe('GET /docs', () => {
    it('serves the OpenAPI UI and a document listing the tenants API', async () => {
      const page = await vault.api().get('/docs').expect(200);
      expect(page.headers['content-type']).toContain('text/html');
      const doc = await vault.api().get('/docs-json').expect(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining(['/v1/tenants', '/v1/tenants/{tenantId}', '/readyz']),
      );
      expect(doc.body.components.securitySchemes.projectKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    });
  });

  describe('unknown routes', () => {
    it('answers 404 not_found naming the method and path, never the query', async () => {
      const res = await vault.api().get('/nope/path?code=abc123canary').expect(404);
      expect(res.body).toEqual({
        error: {
          code: 'not_found',
          message: 'No route GET /nope/path.',
          remediation: 'See /docs for the routes of this API.',
        },
      });
      expect(res.text).not.toContain('abc123canary');
    });
  });
});
