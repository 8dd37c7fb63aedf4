import fs from 'node:fs/promises';
import type { ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_FILE } from '../../apps/vault/src/admin/admin-endpoint';
import { AdminGuard } from '../../apps/vault/src/admin/admin.guard';
import { ApiError } from '../../apps/vault/src/common/api-error';
import { aConnectSession, anApp, anAppBody, anEmulatorApp, aProject } from '@test/support/builders';
import { useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';
import path from 'node:path';

/** A request as the guard sees it, from `remoteAddress` with `headers`. */
function contextFrom(remoteAddress: string, headers: Record<string, string>): ExecutionContext {
  const request = { socket: { remoteAddress }, headers };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

// The audit's item 8, how the vault is exposed: the admin API shared the public listener; /docs
// and JSON answers lacked nosniff, framing and CSP headers, and HSTS over https; the browser
// binding cookie was not __Host- over TLS.
describe('exposing the vault', () => {
  describe('the admin API answers on loopback only', () => {
    const vault = useTestVault({ adminApi: true });
    const token = async () => (await fs.readFile(path.join(vault.dataDir, ADMIN_TOKEN_FILE), 'utf8')).trim();

    it('serves the CLI on this machine with the token', async () => {
      await vault
        .api()
        .get('/admin/v1/projects')
        .set('Authorization', `Bearer ${await token()}`)
        .expect(200);
    });

    it('refuses a request a proxy relayed, even from loopback and with the token', async () => {
      for (const header of ['X-Forwarded-For', 'Forwarded', 'X-Real-IP']) {
        const res = await vault
          .api()
          .get('/admin/v1/projects')
          .set('Authorization', `Bearer ${await token()}`)
          .set(header, header === 'Forwarded' ? 'for=192.0.2.60' : '192.0.2.60');
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
      }
    });

    it('refuses any other peer address before looking at the token', () => {
      const guard = new AdminGuard('the-token');
      for (const peer of ['192.0.2.2', '10.0.0.5', 'fd00::2', '::ffff:192.0.2.2', '128.0.0.1']) {
        expect(() => guard.canActivate(contextFrom(peer, { authorization: 'Bearer the-token' }))).toThrow(ApiError);
      }
      for (const peer of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
        expect(guard.canActivate(contextFrom(peer, { authorization: 'Bearer the-token' }))).toBe(true);
      }
    });
  });

  describe('security headers', () => {
    const vault = useTestVault();

    it('JSON answers: nosniff, no framing, a CSP that loads nothing, no referrer; no HSTS over http', async () => {
      for (const route of ['/healthz', '/v1/tenants', '/no/such/route']) {
        const res = await vault.api().get(route);
        expect(res.headers['x-content-type-options'], route).toBe('nosniff');
        expect(res.headers['x-frame-options'], route).toBe('DENY');
        expect(res.headers['content-security-policy'], route).toContain("default-src 'none'");
        expect(res.headers['content-security-policy'], route).toContain("frame-ancestors 'none'");
        expect(res.headers['referrer-policy'], route).toBe('no-referrer');
        expect(res.headers['strict-transport-security'], route).toBeUndefined();
      }
    });

    it('/docs: its own scripts only, no framing', async () => {
      const res = await vault.api().get('/docs');
      expect(res.status).toBe(200);
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      // Swagger UI's page has no inline script the CSP would block.
      expect(res.text).not.toMatch(/<script>(?!\s*<\/script>)/);
    });
  });

  describe('over https', () => {
    const t = useTestEmulator();
    const vault = useTestVault(() => ({ emulator: t, env: { AUTHPIPE_PUBLIC_URL: 'https://vault.example.test' } }));

    it('sends HSTS and sets the binding cookie __Host-, Secure, Path=/, while a flow page keeps its nonce CSP', async () => {
      const health = await vault.api().get('/healthz');
      expect(health.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');

      const project = await aProject(vault);
      // The app's redirect URIs name the test's http URL: the callback path is what is matched.
      await anApp(vault, project, anAppBody(t, await anEmulatorApp(t)));
      const token = await aConnectSession(vault, project, { tenantId: 'org_tls', credentialFor: 'user', userId: 'u' });
      const page = await vault.api().get(`/connect/microsoft-onedrive?session=${token}`);
      expect(page.status, page.text.slice(0, 300)).toBe(200);
      const cookie = (page.headers['set-cookie'] as unknown as string[])[0];
      expect(cookie).toMatch(
        /^__Host-authpipe_flow=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
      );
      expect(page.headers['content-security-policy']).toMatch(/script-src 'nonce-/);
      expect(page.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    });
  });
});
