import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { customAuthorityApp } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';
import { control } from './support/msal-sign-in';

const C = SEED.contoso;
const GRANT = { clientId: SEED.demoApp.clientId, scopes: ['Files.ReadWrite.All', 'offline_access'] };

interface SeedReply {
  tenantId: string;
  count: number;
  upnPattern: string;
  userIds: string[];
  refreshTokens?: string[];
}

// A benchmark aid, not Microsoft behaviour: POST /_emulator/bulk/users.
describe('bulk seeding for benchmarks', () => {
  const t = useTestEmulator({ resetBeforeEach: true });

  async function seed(body: Record<string, unknown>): Promise<SeedReply> {
    const res = await control(t, '/bulk/users', 'POST', { tenantId: C.tenantId, ...body });
    expect(res.status, res.body.slice(0, 300)).toBe(201);
    return JSON.parse(res.body) as SeedReply;
  }

  /** Redeems a seeded refresh token through msal-node; resolves to the access token's claims. */
  async function refreshWith(refreshToken: string) {
    const result = await customAuthorityApp(t).acquireTokenByRefreshToken({
      refreshToken,
      scopes: ['Files.ReadWrite.All'],
    });
    return decodeJwt(result?.accessToken ?? '');
  }

  it('creates users with consents and refresh tokens in parallel arrays that msal-node can redeem', async () => {
    const before = t.emulator.store.userCount(C.tenantId);
    const reply = await seed({ count: 2000, upnPrefix: 'load-', grant: GRANT });
    expect(reply).toMatchObject({ tenantId: C.tenantId, count: 2000, upnPattern: 'load-{n}@contoso.onmicrosoft.com' });
    expect(reply.userIds).toHaveLength(2000);
    expect(new Set(reply.userIds).size).toBe(2000);
    expect(reply.refreshTokens).toHaveLength(2000);
    expect(t.emulator.store.userCount(C.tenantId)).toBe(before + 2000);
    for (const i of [0, 1234, 1999]) {
      expect(t.emulator.store.findUser(C.tenantId, `load-${i + 1}@contoso.onmicrosoft.com`)?.id).toBe(reply.userIds[i]);
      const claims = await refreshWith(reply.refreshTokens?.[i] as string);
      expect(claims).toMatchObject({
        oid: reply.userIds[i],
        tid: C.tenantId,
        upn: `load-${i + 1}@contoso.onmicrosoft.com`,
      });
      expect(String(claims.scp).split(' ')).toContain('Files.ReadWrite.All');
    }
  });

  it('creates users only, without consents or refresh tokens, when no grant is asked for', async () => {
    const reply = await seed({ count: 3, upnPrefix: 'plain-' });
    expect(reply.refreshTokens).toBeUndefined();
    expect(t.emulator.store.findUserConsent(C.tenantId, reply.userIds[0], SEED.demoApp.clientId)).toBeUndefined();
  });

  it('handles 100,000 users in one call', async () => {
    const reply = await seed({ count: 100_000, grant: GRANT });
    expect(reply.userIds).toHaveLength(100_000);
    expect(reply.refreshTokens).toHaveLength(100_000);
    const claims = await refreshWith(reply.refreshTokens?.[99_999] as string);
    expect(claims.oid).toBe(reply.userIds[99_999]);
  });

  it('refuses a prefix whose UPNs exist with 409 and creates nothing', async () => {
    await seed({ count: 10, upnPrefix: 'dup-' });
    const before = t.emulator.store.userCount(C.tenantId);
    const res = await control(t, '/bulk/users', 'POST', { tenantId: C.tenantId, count: 20, upnPrefix: 'dup-' });
    expect(res.status).toBe(409);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'conflict' } });
    expect(t.emulator.store.userCount(C.tenantId)).toBe(before);
  });

  it('validates its input: count bounds (400), unknown tenant or app (404)', async () => {
    expect((await control(t, '/bulk/users', 'POST', { tenantId: C.tenantId, count: 0 })).status).toBe(400);
    expect((await control(t, '/bulk/users', 'POST', { tenantId: C.tenantId, count: 200_001 })).status).toBe(400);
    const unknownTenant = await control(t, '/bulk/users', 'POST', {
      tenantId: '00000000-0000-4000-8000-00000000dead',
      count: 1,
    });
    expect(unknownTenant.status).toBe(404);
    const unknownApp = await control(t, '/bulk/users', 'POST', {
      tenantId: C.tenantId,
      count: 1,
      grant: { clientId: '00000000-0000-4000-8000-00000000beef', scopes: ['User.Read'] },
    });
    expect(unknownApp.status).toBe(404);
  });
});
