// The real vault (createVaultApp, real database, real keys) and the real Microsoft emulator on
// random ports, wired the way the sandbox wires them: the vault's Microsoft gateway trusts the
// emulator's CA and routes the national-cloud hosts to it. msal-node is never mocked.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { expect } from 'vitest';
import { HttpClient, MICROSOFT_CLOUD_HOSTS } from '@authpipe/microsoft';
import { startEmulator, type RunningEmulator } from '../../apps/microsoft-emulator/src/emulator';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { createClientCertificate, type ClientCertificate } from '../../apps/microsoft-emulator/src/tls/certificates';
import { ConnectionsService } from '../../apps/vault/src/connections/connections.service';
import type { Tokens } from '../../apps/vault/src/credentials/token-set';
import { InstallationsService } from '../../apps/vault/src/installations/installations.service';
import { emulatorAsCustomCloud } from '../../apps/vault/src/sandbox/sandbox';
import { bearer, createProjectWithKey } from '../e2e/support/fixtures';
import { startVault, type VaultHarness } from '../e2e/support/vault-harness';

export { SEED };

/** Where the vault says it lives; never listened on: the tests drive it through supertest. */
export const PUBLIC_URL = 'http://127.0.0.1:3999';
/** The application's own web origin, allowed to receive popup results. */
export const APP_ORIGIN = 'https://app.example.test';
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

export interface FlowsWorld {
  vault: VaultHarness;
  emulator: RunningEmulator;
  /** An HttpClient standing in for the browser at the emulator (trusts its CA, routes national hosts). */
  browserHttp: HttpClient;
  close(): Promise<void>;
}

export async function startFlowsWorld(): Promise<FlowsWorld> {
  const emulator = await startEmulator({ dataDir: null, controlApi: false, seed: true });
  const routes = Object.fromEntries(MICROSOFT_CLOUD_HOSTS.map((host) => [host, emulator.baseUrl]));
  const vault = await startVault(
    { AUTHPIPE_PUBLIC_URL: PUBLIC_URL },
    {
      microsoft: {
        caCertificates: [emulator.caCertPem],
        routes,
        ...emulatorAsCustomCloud(emulator),
        timeoutMs: 10_000,
      },
    },
  );
  // The browser stand-in opens the emulator's own origin too (custom-cloud login pages).
  const browserHttp = new HttpClient({
    caCertificates: [emulator.caCertPem],
    routes,
    allowPrivateNetworks: emulatorAsCustomCloud(emulator).allowPrivateNetworks,
  });
  return {
    vault,
    emulator,
    browserHttp,
    async close() {
      await browserHttp.close();
      await vault.close();
      await emulator.close();
    },
  };
}

/** An Entra app registered in the emulator for this vault's redirect URIs (multi-tenant, MSA allowed). */
export interface RegisteredApp {
  clientId: string;
  secret: string;
  secretId: string;
  certificate: ClientCertificate;
}

/**
 * Registers an app in the emulator. `groupMembershipClaims: 'DirectoryRole'` makes its tokens
 * carry the signed-in user's directory roles (`wids`); by default they carry none, as in Entra.
 */
export async function registerApp(
  world: FlowsWorld,
  options: { groupMembershipClaims?: 'None' | 'DirectoryRole' } = {},
): Promise<RegisteredApp> {
  const { store, clock } = world.emulator;
  const clientId = randomUUID();
  store.addApp({
    clientId,
    displayName: 'Flows e2e',
    homeTenantId: SEED.contoso.tenantId,
    signInAudience: 'AzureADandPersonalMicrosoftAccount',
    redirectUris: [`${PUBLIC_URL}/oauth/callback`, `${PUBLIC_URL}/oauth/admin-consent/callback`],
    delegatedPermissions: DELEGATED,
    applicationPermissions: ROLES,
    groupMembershipClaims: options.groupMembershipClaims ?? 'None',
  });
  const secret = `e2e~${randomUUID()}`;
  const added = store.addSecret(clientId, {
    value: secret,
    expiresAt: new Date(clock.now().getTime() + 365 * 86_400_000),
  });
  const certificate = await createClientCertificate('flows-e2e', clock.now());
  store.addCertificate(clientId, certificate.certificatePem);
  return { clientId, secret, secretId: added.id, certificate };
}

export interface ProjectContext {
  projectId: string;
  key: string;
}

export function createProject(world: FlowsWorld, name = 'Flows'): Promise<ProjectContext> {
  return createProjectWithKey(world.vault.app, name).then(({ projectId, key }) => ({ projectId, key }));
}

export type Credential = { type: 'secret' } | { type: 'certificate'; certificate?: ClientCertificate };

/** POST /v1/apps for a registered emulator app; `cloud` global-like custom endpoints, or a national cloud by name. */
export async function createVaultApp(
  world: FlowsWorld,
  project: ProjectContext,
  registered: RegisteredApp,
  options: {
    credential?: Credential;
    cloud?: 'custom' | 'usgov-l4';
    userAuthority?: string;
    allowedOrigins?: string[];
  } = {},
): Promise<string> {
  const credential = options.credential ?? { type: 'secret' };
  const cert = credential.type === 'certificate' ? (credential.certificate ?? registered.certificate) : null;
  const cloud = options.cloud ?? 'custom';
  const res = await request(world.vault.server())
    .post('/v1/apps')
    .set(bearer(project.key))
    .send({
      name: 'OneDrive',
      clientId: registered.clientId,
      credential: cert
        ? { type: 'certificate', certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem }
        : { type: 'secret', secret: registered.secret },
      cloud,
      ...(cloud === 'custom'
        ? { endpoints: { loginUrl: world.emulator.baseUrl, graphUrl: world.emulator.baseUrl } }
        : {}),
      userAuthority: options.userAuthority ?? 'organizations',
      homeTenantId: SEED.contoso.tenantId,
      userScopes: ['offline_access', 'openid', 'profile', 'User.Read', 'Files.ReadWrite.All'],
      redirectUris: [`${PUBLIC_URL}/oauth/callback`, `${PUBLIC_URL}/oauth/admin-consent/callback`],
      allowedOrigins: options.allowedOrigins ?? [APP_ORIGIN],
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** POST /v1/connect-sessions; returns the token (the response is asserted 201). */
export async function createSession(
  world: FlowsWorld,
  project: ProjectContext,
  body: Record<string, unknown>,
): Promise<string> {
  const res = await request(world.vault.server())
    .post('/v1/connect-sessions')
    .set(bearer(project.key))
    .send({ provider: 'microsoft-onedrive', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.token as string;
}

/** Every row of every table as JSON text, to scan for plaintext secrets. */
export async function dumpAllTables(world: FlowsWorld): Promise<string> {
  const prisma = world.vault.db.prisma;
  const tables = await prisma.$queryRawUnsafe<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const chunks: string[] = [];
  for (const { table_name } of tables) {
    const rows = await prisma.$queryRawUnsafe<{ j: string }[]>(
      `SELECT row_to_json(t)::text AS j FROM "${table_name}" t`,
    );
    chunks.push(...rows.map((r) => r.j));
  }
  return chunks.join('\n');
}

/** The token set stored for an installation or connection, decrypted through the vault's services. */
export async function storedTokens(
  world: FlowsWorld,
  kind: 'installation' | 'connection',
  projectId: string,
  id: string,
): Promise<Tokens | null> {
  if (kind === 'installation') {
    const installations = world.vault.app.get(InstallationsService);
    return installations.readTokens(await installations.find(projectId, id));
  }
  const connections = world.vault.app.get(ConnectionsService);
  return connections.readTokens(await connections.find(projectId, id));
}

/** How many credentials, credential secrets and credential events exist (for "nothing stored" assertions). */
export async function countRows(
  world: FlowsWorld,
): Promise<{ installations: number; connections: number; secrets: number; events: number }> {
  const p = world.vault.db.prisma;
  return {
    installations: await p.installation.count(),
    connections: await p.connection.count(),
    secrets: await p.secret.count({ where: { recordType: { in: ['installation', 'connection'] } } }),
    events: await p.event.count({
      where: {
        type: {
          in: ['installation.created', 'connection.created', 'installation.reauthorized', 'connection.reauthorized'],
        },
      },
    }),
  };
}
