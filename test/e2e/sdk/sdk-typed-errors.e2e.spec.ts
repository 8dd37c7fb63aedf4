// @authpipe/node's `access_lost` and `rate_limited` errors as a real vault answers them over HTTP:
// an installation whose status the credential state writer (the one a refresh writes through)
// set to access_lost, and a project key past the vault's per-key limit, configured low for this
// vault. Also the SDK's opt-in bounded wait on the vault's 429 (`retry.maxRateLimitWaitMs`).
import { AccessLostError, RateLimitedError, type Authpipe } from '@authpipe/node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeysService } from '../../../apps/vault/src/api-keys/api-keys.service';
import { CredentialStateWriter } from '../../../apps/vault/src/credentials/credential-state-writer';
import { InstallationsService } from '../../../apps/vault/src/installations/installations.service';
import { anInstallation, anOfflineApp, aProject, type TestProject } from '@test/support/builders';
import { aCountedClient, listen } from '@test/support/sdk-client';
import { useTestVault } from '@test/support/test-vault';

const PROVIDER = 'microsoft-onedrive';
/** The vault's per-key limit here: requests per window, and the window. */
const PER_KEY = 5;
const WINDOW_MS = 3_000;

describe('@authpipe/node typed errors from a running vault (e2e)', () => {
  const vault = useTestVault({
    env: { AUTHPIPE_RATE_LIMIT_PER_KEY: String(PER_KEY), AUTHPIPE_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS) },
  });
  let project: TestProject;
  let appId: string;
  let baseUrl: string;
  let tenants = 0;

  beforeAll(async () => {
    baseUrl = await listen(vault);
    project = await aProject(vault);
    appId = await anOfflineApp(vault, project.projectId);
  });

  /** A key of its own per test: the per-key limit counts each key apart. */
  const aKey = async () =>
    (await vault.get(ApiKeysService).create(project.projectId, { name: 'sdk-errors' })).secretKey;
  /** A tenant with an installation holding a token valid for an hour. */
  const anInstalledTenant = async () => {
    const tenantId = `org_sdk_errors_${++tenants}`;
    const id = await anInstallation(vault, { projectId: project.projectId, appId, tenantId });
    return { tenantId, id, input: { provider: PROVIDER, tenantId, credentialFor: 'installation' } as const };
  };
  /** Calls until the vault answers 429 (at most a few windows' worth): the key's bucket is then full. */
  const exhaust = async (authpipe: Authpipe, input: Parameters<Authpipe['getCredential']>[0]) => {
    for (let sent = 0; sent < PER_KEY * 10; sent++) {
      try {
        await authpipe.getCredential(input);
      } catch (error) {
        if (error instanceof RateLimitedError) return error;
        throw error;
      }
    }
    throw new Error('the vault never answered 429');
  };

  describe('access_lost', () => {
    it('throws AccessLostError with the action link once the stored status says so, and drops the cached token', async () => {
      const { id, input } = await anInstalledTenant();
      const { authpipe, fetches } = aCountedClient(vault, baseUrl, await aKey());
      await authpipe.getCredential(input);
      const row = await vault.get(InstallationsService).find(project.projectId, id);
      const version = await vault.get(CredentialStateWriter).failed('installation', row, {
        status: 'access_lost',
        aadsts: null,
        error: 'accessDenied',
        remediation: 'Install again and choose a drive the app can reach.',
        failureCount: 1,
        refreshAt: null,
        traceId: null,
        correlationId: null,
        claims: null,
        action: null,
        actionUrl: null,
      });
      expect(version).toBe(row.version + 1);

      const refused = await authpipe.getCredential({ ...input, forceRefresh: true }).catch((e: unknown) => e);

      expect(refused).toBeInstanceOf(AccessLostError);
      const lost = refused as AccessLostError;
      expect(lost.code).toBe('access_lost');
      expect(lost.status).toBe(409);
      expect(lost.credentialId).toBe(id);
      expect(lost.remediation).toBe('Install again and choose a drive the app can reach.');
      expect(lost.action?.url).toMatch(/^https?:\/\//);
      // The request log names the refusal, found by the request id the SDK sent.
      await vi.waitFor(() =>
        expect(vault.logs.records()).toContainEqual(
          expect.objectContaining({
            req: expect.objectContaining({ id: lost.requestId, path: `/v1/credentials/${PROVIDER}` }),
            res: { statusCode: 409, errorCode: 'access_lost' },
          }),
        ),
      );
      // The refusal dropped the cached token: the next plain call asks the vault and is refused too.
      const before = fetches.length;
      await expect(authpipe.getCredential(input)).rejects.toBeInstanceOf(AccessLostError);
      expect(fetches.length).toBe(before + 1);
    });
  });

  describe('rate_limited', () => {
    it('throws RateLimitedError with retryAfter once the key is past its limit', async () => {
      const { input } = await anInstalledTenant();
      const { authpipe, fetches } = aCountedClient(vault, baseUrl, await aKey(), { cache: false });

      const limited = await exhaust(authpipe, input);

      expect(limited.code).toBe('rate_limited');
      expect(limited.status).toBe(429);
      expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
      expect(limited.retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
      expect(limited.requestId).toBeDefined();
      // At least the limit's worth went through before it.
      expect(fetches.length).toBeGreaterThan(PER_KEY);
    });

    it('waits Retry-After and sends again when the caller allows a long enough wait', async () => {
      const { input } = await anInstalledTenant();
      const key = await aKey();
      const filler = aCountedClient(vault, baseUrl, key, { cache: false });
      await exhaust(filler.authpipe, input);
      const patient = aCountedClient(vault, baseUrl, key, {
        cache: false,
        retry: { baseDelayMs: 1, maxDelayMs: 50, maxRateLimitWaitMs: WINDOW_MS * 2 },
      });

      const credential = await patient.authpipe.getCredential(input);

      expect(credential.credentialFor).toBe('installation');
      // The first was refused (the bucket was full), a later one answered once the window passed.
      expect(patient.fetches.length).toBeGreaterThanOrEqual(2);
    });

    it('throws at once when Retry-After is beyond the allowed wait', async () => {
      const { input } = await anInstalledTenant();
      const key = await aKey();
      await exhaust(aCountedClient(vault, baseUrl, key, { cache: false }).authpipe, input);
      const hasty = aCountedClient(vault, baseUrl, key, {
        cache: false,
        retry: { baseDelayMs: 1, maxDelayMs: 50, maxRateLimitWaitMs: 500 },
      });

      await expect(hasty.authpipe.getCredential(input)).rejects.toBeInstanceOf(RateLimitedError);
      expect(hasty.fetches).toHaveLength(1);
    });
  });
});
