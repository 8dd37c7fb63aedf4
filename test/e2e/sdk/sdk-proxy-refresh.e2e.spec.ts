// A Graph 401 through the proxy, seen from @authpipe/node: the vault refreshes the credential (and
// replays the request when it can), says so with `Authpipe-Credential-Refreshed: <credential id>`,
// and the SDK drops the token it had cached from getCredential, since Graph just refused it. Real
// vault on a port, the SDK over fetch, msal-node against the emulator, whose Graph answers 401 for
// a refused token (a placeholder it never issued, or one a fault names by its hash).
import { createHash } from 'node:crypto';
import { CREDENTIAL_REFRESHED_HEADER as CONTRACT_HEADER } from '@authpipe/contract';
import { CREDENTIAL_REFRESHED_HEADER } from '@authpipe/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCED_REFRESH_INTERVAL_MS } from '../../../apps/vault/src/refresh/refresh-timing';
import {
  aCredentialWorld,
  anExpiringInstallation,
  aLiveConnection,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { aCountedClient, listen } from '@test/support/sdk-client';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const PROVIDER = 'microsoft-onedrive';
const MARKETING = SEED.contoso.marketingSite;

describe('@authpipe/node and the proxy refreshing a refused credential (e2e)', () => {
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
  afterAll(async () => {
    await t.control('DELETE', '/faults');
  });

  const aTenant = () => `org_sdk_refresh_${++tenants}`;
  const client = () => aCountedClient(vault, baseUrl, project.key);
  const credentialFetches = (fetches: { url: string }[]) => fetches.filter((f) => f.url.includes('/v1/credentials/'));
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  /** An installation whose stored token is about to expire, so the first read mints a real one. */
  const anInstalledTenant = async (): Promise<string> => {
    const tenantId = aTenant();
    await anExpiringInstallation(vault, { project, appId }, tenantId);
    return tenantId;
  };
  /** Graph answers 401 once to the next request carrying `token`. */
  const refuseOnce = (token: string) =>
    t.control('POST', '/faults', {
      kind: 'status',
      status: 401,
      tokenSha256: sha256(token),
      pathPrefix: '/v1.0/',
      count: 1,
    });

  it('names the header in the contract and the SDK alike', () => {
    expect(CREDENTIAL_REFRESHED_HEADER).toBe(CONTRACT_HEADER.toLowerCase());
  });

  it("drops a user's cached token when the vault refreshed it after Graph's 401 and answered the retry", async () => {
    const tenantId = aTenant();
    const { id, userId } = await aLiveConnection(
      vault,
      t,
      { projectId: project.projectId, appId, tenantId },
      registered,
    );
    const { authpipe, fetches } = client();
    const input = { provider: PROVIDER, tenantId, userId, credentialFor: 'user' } as const;
    // The stored token is a placeholder the emulator's Graph refuses; the SDK caches it.
    const cached = await authpipe.getCredential(input);
    expect(cached.credential).toMatch(/^placeholder-access-/);
    expect((await authpipe.getCredential(input)).credential).toBe(cached.credential);
    expect(credentialFetches(fetches)).toHaveLength(1);
    // A forced refresh is honoured again.
    vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);

    const response = await authpipe.proxy({ path: '/me', tenantId, userId });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { userPrincipalName: string }).userPrincipalName).toMatch(/^live-/);
    expect(response.headers.get(CREDENTIAL_REFRESHED_HEADER)).toBe(id);
    const after = await authpipe.getCredential(input);
    expect(credentialFetches(fetches)).toHaveLength(2);
    expect(after.credential).not.toBe(cached.credential);
    expect(after.credentialId).toBe(id);
  });

  it("drops an installation's cached token when a body too large to replay got Graph's 401 back", async () => {
    const tenantId = await anInstalledTenant();
    const { authpipe, fetches } = client();
    const input = { provider: PROVIDER, tenantId, credentialFor: 'installation' } as const;
    const cached = await authpipe.getCredential(input);
    vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
    await refuseOnce(cached.credential);
    const body = new Uint8Array(64 * 1024 + 1);

    const response = await authpipe.proxy({
      method: 'PUT',
      path: `/drives/${MARKETING.driveId}/root:/refused-${tenantId}.bin:/content`,
      tenantId,
      body,
    });

    expect(response.status).toBe(401);
    expect(response.headers.get(CREDENTIAL_REFRESHED_HEADER)).toBe(cached.credentialId);
    await response.body?.cancel();
    const after = await authpipe.getCredential(input);
    expect(credentialFetches(fetches)).toHaveLength(2);
    expect(after.credential).not.toBe(cached.credential);
  });

  it('keeps the cached token, and sends no header, when Graph took it', async () => {
    const tenantId = await anInstalledTenant();
    const { authpipe, fetches } = client();
    const input = { provider: PROVIDER, tenantId, credentialFor: 'installation' } as const;
    const cached = await authpipe.getCredential(input);

    const response = await authpipe.proxy({ path: `/drives/${MARKETING.driveId}/root/children`, tenantId });

    expect(response.status).toBe(200);
    expect(response.headers.get(CREDENTIAL_REFRESHED_HEADER)).toBeNull();
    await response.body?.cancel();
    expect((await authpipe.getCredential(input)).credential).toBe(cached.credential);
    expect(credentialFetches(fetches)).toHaveLength(1);
  });
});
