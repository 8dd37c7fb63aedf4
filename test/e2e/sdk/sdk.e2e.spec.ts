// @authpipe/node against a real vault over HTTP (listening on a port, reached through fetch) and
// msal-node talking to the emulator: the seed code as written, the local cache (no
// request on a hit, renewal in the background), the typed errors the vault answers, and the
// connect-session, installation and connection calls.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AppMisconfiguredError,
  Authpipe,
  CredentialNotFoundError,
  NeedsReauthError,
  ProviderUnavailableError,
  RevokedError,
  SDK_MIN_REMAINING_MS,
  SDK_REFRESH_AHEAD_MS,
} from '@authpipe/node';
import {
  ACCESS_CANARY,
  aCredentialWorld,
  aLiveConnection,
  anApp,
  anAppBody,
  anEmulatorApp,
  anInstallation,
  HOUR_MS,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { aCountedClient, listen } from '@test/support/sdk-client';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { PUBLIC_URL, useTestVault } from '@test/support/test-vault';

const PROVIDER = 'microsoft-onedrive';
const CONTOSO = SEED.contoso.tenantId;

describe('@authpipe/node against a running vault (e2e)', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;
  let registered: RegisteredApp;
  let appId: string;
  let baseUrl: string;
  let tenants = 0;

  beforeAll(async () => {
    baseUrl = await listen(vault);
    ({ project, registered, appId } = await aCredentialWorld(vault, t));
  });

  const aTenant = () => `org_sdk_${++tenants}`;
  const live = (tenantId: string, app = { appId, registered }, userId?: string) =>
    aLiveConnection(
      vault,
      t,
      { projectId: project.projectId, appId: app.appId, tenantId, ...(userId ? { userId } : {}) },
      app.registered,
    );
  const client = () => aCountedClient(vault, baseUrl, project.key);
  const userInput = (tenantId: string, userId: string) =>
    ({ provider: PROVIDER, tenantId, userId, credentialFor: 'user' }) as const;

  it('runs the seed code as written, configured from the environment', async () => {
    const installationId = await anInstallation(vault, { projectId: project.projectId, appId, tenantId: 'org_acme' });
    const connection = await live('org_acme', { appId, registered }, 'user_123');
    vi.stubEnv('AUTHPIPE_SECRET_KEY', project.key);
    vi.stubEnv('AUTHPIPE_URL', baseUrl);
    try {
      const authpipe = new Authpipe();
      // The seed code, as written.
      // prettier-ignore
      const { credential: botToken } = await authpipe.getCredential({
        provider: 'microsoft-onedrive', tenantId: 'org_acme', credentialFor: 'installation' });
      // prettier-ignore
      const { credential } = await authpipe.getCredential({
        provider: 'microsoft-onedrive', tenantId: 'org_acme', userId: 'user_123', credentialFor: 'user' });
      // Both credentials are always valid — Authpipe handles refresh

      expect(botToken).toBe(ACCESS_CANARY);
      expect(credential).toMatch(/^placeholder-access-/);
      const [installation, user] = await Promise.all([
        authpipe.getCredential({ provider: PROVIDER, tenantId: 'org_acme', credentialFor: 'installation' }),
        authpipe.getCredential(userInput('org_acme', 'user_123')),
      ]);
      expect(installation).toMatchObject({ credential: botToken, credentialId: installationId });
      expect(user).toMatchObject({ credential, credentialId: connection.id, account: { oid: connection.oid } });
      for (const answer of [installation, user]) expect(Date.parse(answer.expiresAt)).toBeGreaterThan(Date.now());
    } finally {
      vi.unstubAllEnvs();
    }
  });

  describe('local cache', () => {
    it('answers a warm credential with no request at all', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      const { authpipe, fetches } = client();
      const first = await authpipe.getCredential(userInput(tenantId, userId));
      const again = await Promise.all(
        Array.from({ length: 200 }, () => authpipe.getCredential(userInput(tenantId, userId))),
      );
      expect(fetches).toHaveLength(1);
      expect(fetches[0].url).toContain(`/v1/credentials/${PROVIDER}?tenantId=${tenantId}`);
      expect(again.every((c) => c === first)).toBe(true);
    });

    it("never answers one user's token for another user of the same tenant", async () => {
      const tenantId = aTenant();
      const [a, b] = [await live(tenantId), await live(tenantId)];
      const { authpipe, fetches } = client();
      const tokenA = await authpipe.getCredential(userInput(tenantId, a.userId));
      const tokenB = await authpipe.getCredential(userInput(tenantId, b.userId));
      expect(tokenB.credentialId).toBe(b.id);
      expect(tokenB.credential).not.toBe(tokenA.credential);
      expect((await authpipe.getCredential(userInput(tenantId, a.userId))).credentialId).toBe(a.id);
      expect(fetches).toHaveLength(2);
    });

    it('renews a token near expiry in the background while answering the cached one', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      const { authpipe, fetches } = client();
      const first = await authpipe.getCredential(userInput(tenantId, userId));
      const refreshes = t.tokenCalls('refresh_token');
      // Inside the refresh-ahead window (the vault's near-expiry window too), above the minimum.
      vault.clock.advance(HOUR_MS - SDK_REFRESH_AHEAD_MS + 1000);

      const during = await authpipe.getCredential(userInput(tenantId, userId));
      expect(during).toBe(first);
      await vi.waitUntil(async () => (await authpipe.getCredential(userInput(tenantId, userId))) !== first, {
        timeout: 20_000,
      });

      const renewed = await authpipe.getCredential(userInput(tenantId, userId));
      expect(renewed.credential).not.toBe(first.credential);
      expect(Date.parse(renewed.expiresAt) - vault.clock.nowMs).toBeGreaterThan(SDK_REFRESH_AHEAD_MS);
      expect(t.tokenCalls('refresh_token')).toBe(refreshes + 1);
      expect(fetches).toHaveLength(2);
    });

    it('asks the vault again once the cached token is below the minimum', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      const { authpipe, fetches } = client();
      const first = await authpipe.getCredential(userInput(tenantId, userId));
      vault.clock.advance(HOUR_MS - SDK_MIN_REMAINING_MS + 1000);
      const next = await authpipe.getCredential(userInput(tenantId, userId));
      expect(next.credential).not.toBe(first.credential);
      expect(fetches).toHaveLength(2);
    });

    it('drops a connection deleted through the SDK: the next read is refused, not served from the cache', async () => {
      const tenantId = aTenant();
      const { id, userId } = await live(tenantId);
      const { authpipe, fetches } = client();
      await authpipe.getCredential(userInput(tenantId, userId));
      await authpipe.deleteConnection(id);
      await expect(authpipe.getCredential(userInput(tenantId, userId))).rejects.toBeInstanceOf(CredentialNotFoundError);
      expect(fetches.map((f) => f.method)).toEqual(['GET', 'DELETE', 'GET']);
    });
  });

  describe('typed errors from the vault', () => {
    it('throws CredentialNotFoundError for a user with no connection, with the remediation and request id', async () => {
      const { authpipe, fetches } = client();
      const error = (await authpipe
        .getCredential(userInput(aTenant(), 'nobody'))
        .catch((e: unknown) => e)) as CredentialNotFoundError;
      expect(error).toBeInstanceOf(CredentialNotFoundError);
      expect(error).toMatchObject({ code: 'credential_not_found', status: 404, requestId: expect.any(String) });
      expect(error.remediation).toContain('credentialFor user');
      expect(fetches).toHaveLength(1);
    });

    it('throws NeedsReauthError with the re-authorization link when conditional access requires a new sign-in', async () => {
      const tenantId = aTenant();
      const { id, oid, userId } = await live(tenantId);
      await t.control('POST', '/conditional-access/policies', {
        tenantId: CONTOSO,
        users: [oid],
        control: { kind: 'signInFrequency', seconds: 60 },
      });
      vault.clock.advance(2 * HOUR_MS);
      const { authpipe } = client();
      const error = (await authpipe
        .getCredential(userInput(tenantId, userId))
        .catch((e: unknown) => e)) as NeedsReauthError;
      expect(error).toBeInstanceOf(NeedsReauthError);
      expect(error).toMatchObject({ code: 'needs_reauth', status: 409, credentialId: id, aadsts: 70043 });
      expect(error.reauthUrl).toContain(`${PUBLIC_URL}/connect/${PROVIDER}?session=`);
    });

    it('throws NeedsReauthError with the link when the user sessions were revoked at Microsoft', async () => {
      const tenantId = aTenant();
      const { id, oid, userId } = await live(tenantId);
      vault.clock.advance(1000);
      t.emulator.store.revokeSignInSessions(CONTOSO, oid);
      vault.clock.advance(2 * HOUR_MS);
      const { authpipe } = client();
      const error = (await authpipe
        .getCredential(userInput(tenantId, userId))
        .catch((e: unknown) => e)) as NeedsReauthError;
      // AADSTS50173: the user must sign in again (the refresh issue's meaning), not a revocation.
      expect(error).toBeInstanceOf(NeedsReauthError);
      expect(error).toMatchObject({ code: 'needs_reauth', credentialId: id, aadsts: 50173 });
      expect(error.reauthUrl).toContain(`${PUBLIC_URL}/connect/${PROVIDER}?session=`);
    });

    it("throws RevokedError with the admin re-consent link when the directory's admin consent was removed", async () => {
      // An app of its own, installed in Fabrikam only: removing that consent touches no other test.
      const own = await anEmulatorApp(t);
      const ownAppId = await anApp(vault, project, anAppBody(t, own));
      t.emulator.store.grantAdminConsent({
        tenantId: SEED.fabrikam.tenantId,
        clientId: own.clientId,
        roles: ['Files.ReadWrite.All'],
        scopes: [],
        grantedBy: SEED.fabrikam.admin.id,
      });
      const tenantId = aTenant();
      const id = await anInstallation(
        vault,
        { projectId: project.projectId, appId: ownAppId, tenantId },
        { directoryId: SEED.fabrikam.tenantId },
      );
      await t.control('DELETE', `/consents/admin/${SEED.fabrikam.tenantId}/${own.clientId}`);
      vault.clock.advance(2 * HOUR_MS);
      const { authpipe } = client();
      const error = (await authpipe
        .getCredential({ provider: PROVIDER, tenantId, credentialFor: 'installation' })
        .catch((e: unknown) => e)) as RevokedError;
      expect(error).toBeInstanceOf(RevokedError);
      expect(error).toMatchObject({ code: 'revoked', status: 409, credentialId: id });
      expect(error.actionUrl).toContain(`${PUBLIC_URL}/connect/${PROVIDER}?session=`);
    });

    it('throws ProviderUnavailableError with retryAfter when Microsoft is unreachable and the token has expired', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      vault.clock.advance(2 * HOUR_MS);
      await t.control('POST', '/faults', { kind: 'drop', pathPrefix: '/', count: 20 });
      try {
        const { authpipe, fetches } = client();
        const error = (await authpipe
          .getCredential(userInput(tenantId, userId))
          .catch((e: unknown) => e)) as ProviderUnavailableError;
        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect(error).toMatchObject({ code: 'provider_unavailable', status: 503 });
        expect(error.retryAfter).toBeGreaterThan(0);
        // Its Retry-After is longer than the SDK's longest backoff: thrown at once, not retried.
        expect(fetches).toHaveLength(1);
      } finally {
        await t.control('DELETE', '/faults');
      }
    });

    it("throws AppMisconfiguredError naming the app when Microsoft refuses the app's expired secret", async () => {
      const other = await anEmulatorApp(t);
      const otherAppId = await anApp(vault, project, anAppBody(t, other));
      const tenantId = aTenant();
      const { userId } = await live(tenantId, { appId: otherAppId, registered: other });
      await t.control('POST', `/apps/${other.clientId}/secrets/${other.secretId}/expire`);
      vault.clock.advance(2 * HOUR_MS);
      const { authpipe } = client();
      const error = (await authpipe
        .getCredential(userInput(tenantId, userId))
        .catch((e: unknown) => e)) as AppMisconfiguredError;
      expect(error).toBeInstanceOf(AppMisconfiguredError);
      expect(error).toMatchObject({ code: 'app_misconfigured', status: 409, appId: otherAppId });
    });
  });

  describe('connect sessions, installations and connections', () => {
    it('mints a connect session whose URL starts the flow', async () => {
      const { authpipe } = client();
      const session = await authpipe.createConnectSession({
        tenantId: aTenant(),
        userId: 'u1',
        credentialFor: 'user',
        appId,
      });
      expect(session.url).toContain(`${PUBLIC_URL}/connect/${PROVIDER}?session=`);
      const link = new URL(session.url);
      expect((await vault.api().get(`${link.pathname}${link.search}`)).status).toBeLessThan(400);
    });

    it("lists a tenant's installations and connections, and deletes an installation", async () => {
      const tenantId = aTenant();
      const installationId = await anInstallation(vault, { projectId: project.projectId, appId, tenantId });
      const { id } = await live(tenantId);
      const { authpipe } = client();
      expect((await authpipe.listConnections({ tenantId })).data.map((c) => c.id)).toEqual([id]);
      const installations = await authpipe.listInstallations({ tenantId });
      expect(installations).toMatchObject({ data: [{ id: installationId, tenantId }], nextCursor: null });
      await authpipe.deleteInstallation(installationId);
      expect((await authpipe.listInstallations({ tenantId })).data).toEqual([]);
      await expect(
        authpipe.getCredential({ provider: PROVIDER, tenantId, credentialFor: 'installation' }),
      ).rejects.toBeInstanceOf(CredentialNotFoundError);
    });
  });
});
