import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { useTestEmulator } from './support/emulator-suite';

describe('the emulator root page', () => {
  const t = useTestEmulator();

  it('answers / with what the emulator is, its demo accounts and where to read more', async () => {
    const res = await t.http.send(`${t.emulator.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('<title>Microsoft emulator (Authpipe)</title>');
    for (const upn of [SEED.contoso.admin.upn, SEED.contoso.adele.upn, SEED.consumers.megan.upn]) {
      expect(res.body).toContain(upn);
    }
    expect(res.body).toContain('apps/microsoft-emulator/README.md');
    expect(res.body).not.toContain(SEED.demoApp.secretValue);
  });

  it('links routes that exist: the control API directory and the OpenID configuration', async () => {
    const page = (await t.http.send(`${t.emulator.baseUrl}/`)).body;
    const links = [...page.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(['/common/v2.0/.well-known/openid-configuration', '/_emulator/directory']);
    for (const link of links) {
      const res = await t.http.send(`${t.emulator.baseUrl}${link}`);
      expect(res.status, link).toBe(200);
    }
  });
});
