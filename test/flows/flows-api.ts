// What the /v1 e2e specs of the flows foundation share: the real vault (createVaultApp, Fastify,
// real database and keys) beside the real emulator, whose CA the vault's Microsoft gateway
// trusts, two projects with keys, and seeding of installations and connections through the
// services the OAuth flows call.
import request from 'supertest';
import { expect } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../apps/microsoft-emulator/src/emulator';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { ConnectionsService } from '../../apps/vault/src/connections/connections.service';
import { InstallationsService } from '../../apps/vault/src/installations/installations.service';
import { bearer, createProjectWithKey } from '../e2e/support/fixtures';
import { startVault, type VaultHarness } from '../e2e/support/vault-harness';
import { emulatorMicrosoft } from './flows-harness';

export { SEED, bearer, createProjectWithKey };

export const ACCESS_CANARY = 'canary-access-token-0b7e4f';
export const REFRESH_CANARY = 'canary-refresh-token-9d21aa';

export interface Project {
  projectId: string;
  key: string;
}

export interface FlowsApi {
  vault: VaultHarness;
  emulator: RunningEmulator;
  p1: Project;
  p2: Project;
  api: () => ReturnType<typeof request>;
  /** A POST /v1/apps body for the emulator's demo app (secret credential, custom endpoints). */
  appBody: (overrides?: Record<string, unknown>) => Record<string, unknown>;
  /** Creates an app through the API (asserting 201) and returns its id. */
  createApp: (project: Project, overrides?: Record<string, unknown>) => Promise<string>;
  seedInstallation: (projectId: string, appId: string, tenantId: string) => Promise<string>;
  seedConnection: (projectId: string, appId: string, tenantId: string, userId: string) => Promise<string>;
  close(): Promise<void>;
}

export async function startFlowsApi(): Promise<FlowsApi> {
  const emulator = await startEmulator({ dataDir: null });
  const vault = await startVault(
    { AUTHPIPE_PUBLIC_URL: 'https://vault.example.test' },
    { microsoft: emulatorMicrosoft(emulator) },
  );
  const api = () => request(vault.server());
  const appBody = (overrides: Record<string, unknown> = {}) => ({
    name: 'OneDrive',
    clientId: SEED.demoApp.clientId,
    credential: { type: 'secret', secret: SEED.demoApp.secretValue },
    cloud: 'custom',
    endpoints: { loginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl },
    homeTenantId: SEED.contoso.tenantId,
    allowedOrigins: ['https://app.example.com'],
    ...overrides,
  });
  const hour = 3_600_000;
  return {
    vault,
    emulator,
    p1: await createProjectWithKey(vault.app, 'one'),
    p2: await createProjectWithKey(vault.app, 'two'),
    api,
    appBody,
    async createApp(project, overrides = {}) {
      const res = await api().post('/v1/apps').set(bearer(project.key)).send(appBody(overrides));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    },
    async seedInstallation(projectId, appId, tenantId) {
      const now = Date.now();
      const { installation } = await vault.app.get(InstallationsService).upsertFromConsent({
        projectId,
        tenantId,
        appId,
        provider: 'microsoft-onedrive',
        directoryId: SEED.contoso.tenantId,
        cloud: 'custom',
        resourceKind: 'drive',
        resourceDriveId: SEED.contoso.marketingSite.driveId,
        resourceSiteId: null,
        resourceUser: null,
        resourceWebUrl: null,
        scopes: ['Files.ReadWrite.All'],
        consentedAt: new Date(now),
        consentedBy: SEED.contoso.admin.upn,
        expiresAt: new Date(now + hour),
        refreshAt: new Date(now + hour - 600_000),
        accessToken: ACCESS_CANARY,
        sessionId: null,
        // Several tenants of these tests share the seeded Contoso directory.
        exclusiveDirectory: false,
      });
      return installation.id;
    },
    async seedConnection(projectId, appId, tenantId, userId) {
      const now = Date.now();
      const { connection } = await vault.app.get(ConnectionsService).upsertFromCode({
        projectId,
        tenantId,
        userId,
        appId,
        provider: 'microsoft-onedrive',
        installationId: null,
        oid: `oid-${userId}`,
        tid: SEED.contoso.tenantId,
        upn: `${userId}@contoso.com`,
        scopes: ['User.Read', 'offline_access'],
        expiresAt: new Date(now + hour),
        refreshAt: new Date(now + hour - 600_000),
        keepAliveAt: new Date(now + 80 * 24 * hour),
        accessToken: ACCESS_CANARY,
        refreshToken: REFRESH_CANARY,
        sessionId: null,
      });
      return connection.id;
    },
    async close() {
      await vault.close();
      await emulator.close();
    },
  };
}
