// Data builders over a test vault: what a test needs to exist before it starts (a project with
// a key, an app registered at the emulator and in the vault, a connect session, a stored
// installation or connection), each made through the vault's own API or services.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { createClientCertificate, type ClientCertificate } from '../../apps/microsoft-emulator/src/tls/certificates';
import { asTenantExternalId } from '../../apps/vault/src/common/tenant-ids';
import { ApiKeysService } from '../../apps/vault/src/api-keys/api-keys.service';
import { AppsService } from '../../apps/vault/src/apps/apps.service';
import { ConnectionsService, type AuthorizationResult } from '../../apps/vault/src/connections/connections.service';
import { InstallationsService, type ConsentResult } from '../../apps/vault/src/installations/installations.service';
import { ProjectsService } from '../../apps/vault/src/projects/projects.service';
import { SecretsService } from '../../apps/vault/src/secrets/secrets.service';
import { DAY_MS } from './test-clock';
import { SEED, type TestEmulator } from './test-emulator';
import { PUBLIC_URL, type TestVault } from './test-vault';

export const HOUR_MS = 3_600_000;
/** Canary token values: a test that finds them in a log, a page or a dump has found a leak. */
export const ACCESS_CANARY = 'canary-access-token-0b7e4f';
export const REFRESH_CANARY = 'canary-refresh-token-9d21aa';
/** The application's own web origin, allowed to receive popup results. */
export const APP_ORIGIN = 'https://app.example.test';
export const CALLBACK_URIS = [`${PUBLIC_URL}/oauth/callback`, `${PUBLIC_URL}/oauth/admin-consent/callback`];

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** A project with one secret key. */
export interface TestProject {
  projectId: string;
  key: string;
  keyId: string;
}

/** A project and its secret key, made through the vault's services. */
export async function aProject(vault: TestVault, name = 'Test project'): Promise<TestProject> {
  const project = await vault.get(ProjectsService).create({ name });
  const key = await vault.get(ApiKeysService).create(project.id, { name: 'test' });
  return { projectId: project.id, key: key.secretKey, keyId: key.id };
}

/**
 * Gives a tenant `count` secrets (`tenant-secret-<i>`) through the vault's SecretsService, which
 * creates the tenant and its data key on first use.
 */
export async function aTenantWithSecrets(
  vault: TestVault,
  projectId: string,
  tenantId: string,
  count = 1,
): Promise<void> {
  const secrets = vault.get(SecretsService);
  for (let i = 0; i < count; i++) {
    await secrets.put(
      { projectId, tenantExternalId: asTenantExternalId(tenantId) },
      { recordType: 'test', recordId: `${projectId}:${tenantId}:${i}`, field: 'token' },
      `tenant-secret-${i}`,
    );
  }
}

/** A client id of no registered app: for apps of specs that never reach Microsoft. */
export const OFFLINE_CLIENT_ID = '11111111-2222-4333-8444-555555555555';

/**
 * An app made through AppsService for specs that never reach Microsoft: a secret, default
 * scopes and redirect URIs, {@link APP_ORIGIN} allowed. Returns the app id.
 */
export async function anOfflineApp(
  vault: TestVault,
  projectId: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const app = await vault.get(AppsService).create(projectId, {
    name: 'app',
    clientId: OFFLINE_CLIENT_ID,
    credential: { type: 'secret', secret: 'offline-secret-value-123' },
    allowedOrigins: [APP_ORIGIN],
    ...overrides,
  });
  return app.id;
}

/**
 * The body of `POST /v1/apps` for the emulator's seeded demo app: its secret, custom endpoints at
 * the emulator, the Contoso home directory, {@link APP_ORIGIN} allowed; default scopes and
 * redirect URIs.
 */
export function aDemoAppBody(t: TestEmulator, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'OneDrive',
    clientId: SEED.demoApp.clientId,
    credential: { type: 'secret', secret: SEED.demoApp.secretValue },
    cloud: 'custom',
    endpoints: t.customEndpoints,
    homeTenantId: SEED.contoso.tenantId,
    allowedOrigins: [APP_ORIGIN],
    ...overrides,
  };
}

/** An Entra app registered in the emulator for the test vault's callbacks. */
export interface RegisteredApp {
  clientId: string;
  secret: string;
  secretId: string;
  certificate: ClientCertificate;
}

const DELEGATED = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'User.Read',
  'Files.ReadWrite.All',
  'Sites.ReadWrite.All',
];
const ROLES = ['Files.ReadWrite.All', 'Sites.ReadWrite.All', 'User.Read.All'];

/**
 * Registers a multi-tenant app (personal accounts allowed) in the emulator, with a secret valid
 * for a year of the test clock and a certificate. `groupMembershipClaims: 'DirectoryRole'` makes
 * its tokens carry the signed-in user's directory roles (`wids`); by default they carry none.
 */
export async function anEmulatorApp(
  t: TestEmulator,
  options: { groupMembershipClaims?: 'None' | 'DirectoryRole' } = {},
): Promise<RegisteredApp> {
  const { store } = t.emulator;
  const clientId = randomUUID();
  store.addApp({
    clientId,
    displayName: 'Test app',
    homeTenantId: SEED.contoso.tenantId,
    signInAudience: 'AzureADandPersonalMicrosoftAccount',
    redirectUris: CALLBACK_URIS,
    delegatedPermissions: DELEGATED,
    applicationPermissions: ROLES,
    groupMembershipClaims: options.groupMembershipClaims ?? 'None',
  });
  const secret = `test~${randomUUID()}`;
  const added = store.addSecret(clientId, { value: secret, expiresAt: t.clock.date(365 * DAY_MS) });
  const certificate = await createClientCertificate('test-app', t.clock.date());
  store.addCertificate(clientId, certificate.certificatePem);
  return { clientId, secret, secretId: added.id, certificate };
}

/** The body of `POST /v1/apps` for an emulator app (custom endpoints at the emulator unless a national cloud is named). */
export function anAppBody(
  t: TestEmulator,
  registered: Pick<RegisteredApp, 'clientId' | 'secret' | 'certificate'>,
  options: {
    credential?: 'secret' | 'certificate' | { certificate: ClientCertificate };
    cloud?: 'custom' | 'usgov-l4';
    userAuthority?: string;
    allowedOrigins?: string[];
  } = {},
): Record<string, unknown> {
  const credential = options.credential ?? 'secret';
  const cert =
    credential === 'secret' ? null : credential === 'certificate' ? registered.certificate : credential.certificate;
  const cloud = options.cloud ?? 'custom';
  return {
    name: 'OneDrive',
    clientId: registered.clientId,
    credential: cert
      ? { type: 'certificate', certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem }
      : { type: 'secret', secret: registered.secret },
    cloud,
    ...(cloud === 'custom' ? { endpoints: t.customEndpoints } : {}),
    userAuthority: options.userAuthority ?? 'organizations',
    homeTenantId: SEED.contoso.tenantId,
    userScopes: ['offline_access', 'openid', 'profile', 'User.Read', 'Files.ReadWrite.All'],
    redirectUris: CALLBACK_URIS,
    allowedOrigins: options.allowedOrigins ?? [APP_ORIGIN],
  };
}

/** `POST /v1/apps` (asserted 201); returns the app id. */
export async function anApp(vault: TestVault, project: TestProject, body: Record<string, unknown>): Promise<string> {
  const res = await vault.api().post('/v1/apps').set(bearer(project.key)).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** `POST /v1/connect-sessions` (asserted 201); returns the session token. */
export async function aConnectSession(
  vault: TestVault,
  project: TestProject,
  body: Record<string, unknown>,
): Promise<string> {
  const res = await vault
    .api()
    .post('/v1/connect-sessions')
    .set(bearer(project.key))
    .send({ provider: 'microsoft-onedrive', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.token as string;
}

/** An installation stored through the service the admin-consent flow ends with (no Microsoft call). */
export async function anInstallation(
  vault: TestVault,
  base: { projectId: string; appId: string; tenantId: string },
  overrides: Partial<ConsentResult> = {},
): Promise<string> {
  const now = vault.clock.nowMs;
  const { installation } = await vault.get(InstallationsService).upsertFromConsent({
    ...base,
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
    expiresAt: new Date(now + HOUR_MS),
    refreshAt: new Date(now + HOUR_MS - 600_000),
    accessToken: ACCESS_CANARY,
    sessionId: null,
    // Tenants of a test often share the seeded Contoso directory.
    exclusiveDirectory: false,
    ...overrides,
  });
  return installation.id;
}

/** A connection stored through the service the user flow ends with (no Microsoft call). */
export async function aConnection(
  vault: TestVault,
  base: { projectId: string; appId: string; tenantId: string; userId: string },
  overrides: Partial<AuthorizationResult> = {},
): Promise<string> {
  const now = vault.clock.nowMs;
  const { connection } = await vault.get(ConnectionsService).upsertFromCode({
    ...base,
    provider: 'microsoft-onedrive',
    installationId: null,
    oid: `oid-${base.userId}`,
    tid: SEED.contoso.tenantId,
    upn: `${base.userId}@contoso.com`,
    scopes: ['User.Read', 'offline_access'],
    expiresAt: new Date(now + HOUR_MS),
    refreshAt: new Date(now + HOUR_MS - 600_000),
    keepAliveAt: new Date(now + 80 * DAY_MS),
    accessToken: ACCESS_CANARY,
    refreshToken: REFRESH_CANARY,
    sessionId: null,
    ...overrides,
  });
  return connection.id;
}

let liveUsers = 0;

/**
 * A connection holding a refresh token the emulator really issued (to a new user of the seeded
 * Contoso directory who granted `registered`), with a placeholder access token expiring in an
 * hour: a refresh of it reaches the emulator and succeeds. Returns the connection id and the user.
 */
export async function aLiveConnection(
  vault: TestVault,
  t: TestEmulator,
  base: { projectId: string; appId: string; tenantId: string; userId?: string },
  registered: RegisteredApp,
): Promise<{ id: string; oid: string; userId: string }> {
  liveUsers += 1;
  const seeded = await t.control<{ userIds: string[]; refreshTokens: string[] }>('POST', '/bulk/users', {
    tenantId: SEED.contoso.tenantId,
    count: 1,
    upnPrefix: `live-${liveUsers}-${randomUUID().slice(0, 8)}-`,
    grant: {
      clientId: registered.clientId,
      scopes: ['offline_access', 'openid', 'profile', 'User.Read', 'Files.ReadWrite.All'],
    },
  });
  const userId = base.userId ?? `user_live_${liveUsers}`;
  const id = await aConnection(
    vault,
    { ...base, userId },
    { oid: seeded.userIds[0], refreshToken: seeded.refreshTokens[0], accessToken: `placeholder-access-${liveUsers}` },
  );
  return { id, oid: seeded.userIds[0], userId };
}

/**
 * What most credential specs start from: a project with its key, an app registered at the
 * emulator ({@link anEmulatorApp}) and in the vault (`POST /v1/apps`), and, unless
 * `adminConsent: false`, the seeded Contoso directory's admin consent to it (app roles for files
 * and sites), so app-only tokens can be minted for installations in Contoso.
 */
export interface CredentialWorld {
  project: TestProject;
  registered: RegisteredApp;
  appId: string;
}

/** Builds a {@link CredentialWorld} (call it in a `beforeAll`). */
export async function aCredentialWorld(
  vault: TestVault,
  t: TestEmulator,
  options: { adminConsent?: boolean } = {},
): Promise<CredentialWorld> {
  const project = await aProject(vault);
  const registered = await anEmulatorApp(t);
  const appId = await anApp(vault, project, anAppBody(t, registered));
  if (options.adminConsent !== false) {
    t.emulator.store.grantAdminConsent({
      tenantId: SEED.contoso.tenantId,
      clientId: registered.clientId,
      roles: ['Files.ReadWrite.All', 'Sites.ReadWrite.All'],
      scopes: [],
      grantedBy: SEED.contoso.admin.id,
    });
  }
  return { project, registered, appId };
}

/**
 * An installation of the world's app in `tenantId` whose stored token is about to expire, so its
 * first use mints a real app-only token at the emulator (the world's admin consent allows it).
 */
export async function anExpiringInstallation(
  vault: TestVault,
  world: Pick<CredentialWorld, 'project' | 'appId'>,
  tenantId: string,
): Promise<string> {
  return anInstallation(
    vault,
    { projectId: world.project.projectId, appId: world.appId, tenantId },
    { expiresAt: vault.clock.date(1000), refreshAt: vault.clock.date(0) },
  );
}
