import { beforeAll, describe, expect, it } from 'vitest';
import { CredentialReader } from '../../../apps/vault/src/credentials/credential-reader';
import {
  ACCESS_CANARY,
  aConnection,
  anApp,
  anAppBody,
  anEmulatorApp,
  anInstallation,
  aProject,
  REFRESH_CANARY,
  type TestProject,
} from '@test/support/builders';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

describe(CredentialReader.name, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;
  let other: TestProject;
  let appId: string;

  beforeAll(async () => {
    project = await aProject(vault);
    other = await aProject(vault, 'Other');
    appId = await anApp(vault, project, anAppBody(t, await anEmulatorApp(t)));
  });

  it("reads a user's connection with its account, cloud and decrypted token set", async () => {
    const id = await aConnection(vault, { projectId: project.projectId, appId, tenantId: 'org_read', userId: 'u1' });
    const read = await vault
      .get(CredentialReader)
      .read(project.projectId, 'org_read', 'microsoft-onedrive', { credentialFor: 'user', userId: 'u1' });
    expect(read).toMatchObject({
      kind: 'connection',
      id,
      status: 'active',
      cloud: 'custom',
      graphUrl: t.customEndpoints.graphUrl,
      account: { oid: 'oid-u1', tid: SEED.contoso.tenantId, upn: 'u1@contoso.com' },
      resource: null,
      tokens: { accessToken: ACCESS_CANARY, refreshToken: REFRESH_CANARY },
    });
    expect(read?.tokens?.expiresAt.getTime()).toBe(read?.expiresAt?.getTime());
  });

  it("reads a tenant's installation with its resource", async () => {
    const id = await anInstallation(vault, { projectId: project.projectId, appId, tenantId: 'org_read_i' });
    const read = await vault
      .get(CredentialReader)
      .read(project.projectId, 'org_read_i', 'microsoft-onedrive', { credentialFor: 'installation' });
    expect(read).toMatchObject({
      kind: 'installation',
      id,
      directoryId: SEED.contoso.tenantId,
      account: null,
      resource: { kind: 'drive', driveId: SEED.contoso.marketingSite.driveId },
      tokens: { accessToken: ACCESS_CANARY, refreshToken: null },
    });
  });

  it("answers another project's tenant, another user or another provider like a missing one", async () => {
    await aConnection(vault, { projectId: project.projectId, appId, tenantId: 'org_iso', userId: 'u1' });
    const reader = vault.get(CredentialReader);
    const user = { credentialFor: 'user' as const, userId: 'u1' };
    expect(await reader.read(other.projectId, 'org_iso', 'microsoft-onedrive', user)).toBeNull();
    expect(await reader.read(project.projectId, 'org_iso', 'microsoft-onedrive', { ...user, userId: 'u2' })).toBeNull();
    expect(await reader.read(project.projectId, 'org_iso', 'dropbox', user)).toBeNull();
    expect(
      await reader.read(project.projectId, 'org_iso', 'microsoft-onedrive', { credentialFor: 'installation' }),
    ).toBeNull();
  });
});
