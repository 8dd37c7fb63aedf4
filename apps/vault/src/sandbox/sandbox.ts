import { readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { z } from 'zod';
import { SEED } from '../../../microsoft-emulator/src/directory/seed';
import { startEmulator, type RunningEmulator } from '../../../microsoft-emulator/src/emulator';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ApiError } from '../common/api-error';
import type { MicrosoftConfig, VaultConfig } from '../config/config.schema';
import { AppsService } from '../apps/apps.service';
import { ProjectsService } from '../projects/projects.service';

/** `<dataDir>/sandbox.json`: how to reach the demo project. Holds its secret key: mode 0600. */
export const sandboxFileSchema = z.object({
  projectId: z.string().min(1),
  secretKey: z.string().min(1),
  baseUrl: z.url(),
  emulatorUrl: z.url(),
});
export type SandboxFile = z.infer<typeof sandboxFileSchema>;

export interface SandboxOptions {
  /** HTTPS port of the emulator (msal-node, Graph); 0 = any free port. Default: the vault's port + 1. */
  emulatorPort?: number;
  /** Plain HTTP port of the emulator (browsers, which do not trust its CA); default: the vault's port + 2. */
  emulatorHttpPort?: number;
}

export interface RunningSandbox {
  file: SandboxFile;
  /** True when this start created the project (its secret key is new and may be shown once). */
  created: boolean;
  emulator: RunningEmulator;
  close(): Promise<void>;
}

const PROVIDER = 'microsoft-onedrive';

/**
 * Starts the sandbox's Microsoft emulator in-process, before the vault: the vault's Microsoft
 * gateway is built once, so it must be created knowing the emulator (see {@link sandboxMicrosoft}).
 * The emulator keeps its CA in `<dataDir>/emulator`, so it stays the same across restarts.
 */
export async function startSandboxEmulator(
  config: VaultConfig,
  options: SandboxOptions = {},
): Promise<RunningEmulator> {
  const emulator = await startEmulator({
    dataDir: path.join(config.dataDir, 'emulator'),
    port: options.emulatorPort ?? (config.port === 0 ? 0 : config.port + 1),
    httpPort: options.emulatorHttpPort ?? (config.port === 0 ? 0 : config.port + 2),
    controlApi: true,
    seed: true,
  });
  try {
    registerVaultRedirects(emulator, config.publicUrl);
    return emulator;
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/**
 * The operator settings that let apps use an emulator as their custom cloud, exactly what
 * AUTHPIPE_CUSTOM_CLOUD_ORIGINS and AUTHPIPE_ALLOW_PRIVATE_NETWORKS would say: its origin on the
 * custom-cloud allow-list and its (loopback) address among the allowed networks. The sandbox
 * and the test factories use this, so they pass the same SSRF checks as any deployment.
 */
export function emulatorAsCustomCloud(
  emulator: Pick<RunningEmulator, 'baseUrl'>,
): Pick<MicrosoftConfig, 'customCloudOrigins' | 'allowPrivateNetworks'> {
  const url = new URL(emulator.baseUrl);
  const address = url.hostname.replace(/^\[|\]$/g, '');
  return {
    customCloudOrigins: [url.origin],
    // A named host (rather than an address) may resolve to either loopback address.
    allowPrivateNetworks: isIP(address) ? [address] : ['127.0.0.1', '::1'],
  };
}

/**
 * What the vault must add to its Microsoft settings (`createVaultApp({ microsoft })`) to use the
 * sandbox's emulator: trust its CA, accept it as a custom cloud, and send browsers to its
 * plain-HTTP origin.
 */
export function sandboxMicrosoft(emulator: RunningEmulator): Partial<MicrosoftConfig> {
  return {
    caCertificates: [emulator.caCertPem],
    ...emulatorAsCustomCloud(emulator),
    browserOrigins: emulator.httpBaseUrl ? { [emulator.baseUrl]: emulator.httpBaseUrl } : {},
  };
}

/**
 * The zero-setup sandbox over an emulator from {@link startSandboxEmulator}: a demo project with
 * an API key and an app pointing at the emulator (custom cloud endpoints). Idempotent: a restart
 * reuses the project recorded in sandbox.json and only re-points the app at the emulator. The
 * returned sandbox owns the emulator (close() stops it).
 */
export async function startSandbox(
  app: INestApplicationContext,
  config: VaultConfig,
  emulator: RunningEmulator,
): Promise<RunningSandbox> {
  try {
    const { file, created } = await ensureProject(app, config, emulator);
    await ensureDemoApp(app, file.projectId, config, emulator);
    return { file, created, emulator, close: () => emulator.close() };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/** The emulator's demo registration must accept this vault's callbacks, wherever it listens. */
function registerVaultRedirects(emulator: RunningEmulator, publicUrl: string): void {
  const registration = emulator.store.findApp(SEED.demoApp.clientId);
  if (!registration) throw new Error('The emulator has no demo app to point the sandbox at');
  for (const uri of [`${publicUrl}/oauth/callback`, `${publicUrl}/oauth/admin-consent/callback`]) {
    if (!registration.redirectUris.includes(uri)) registration.redirectUris.push(uri);
  }
}

async function readSandboxFile(file: string): Promise<SandboxFile | null> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const parsed = sandboxFileSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

async function ensureProject(
  app: INestApplicationContext,
  config: VaultConfig,
  emulator: RunningEmulator,
): Promise<{ file: SandboxFile; created: boolean }> {
  const location = path.join(config.dataDir, 'sandbox.json');
  const existing = await readSandboxFile(location);
  const projects = app.get(ProjectsService);
  let projectId: string | null = null;
  if (existing) {
    try {
      projectId = (await projects.get(existing.projectId)).id;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
  const created = projectId === null || existing === null;
  const file: SandboxFile = created
    ? await (async () => {
        const project = await projects.create({ name: 'Sandbox demo' });
        const key = await app.get(ApiKeysService).create(project.id, { name: 'sandbox' });
        return {
          projectId: project.id,
          secretKey: key.secretKey,
          baseUrl: config.publicUrl,
          emulatorUrl: emulator.httpBaseUrl ?? emulator.baseUrl,
        };
      })()
    : { ...existing, baseUrl: config.publicUrl, emulatorUrl: emulator.httpBaseUrl ?? emulator.baseUrl };
  // Written whole then renamed, so a crash never leaves half a file holding the key.
  const temporary = `${location}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, location);
  return { file, created };
}

async function ensureDemoApp(
  app: INestApplicationContext,
  projectId: string,
  config: VaultConfig,
  emulator: RunningEmulator,
): Promise<void> {
  const apps = app.get(AppsService);
  const endpoints = { loginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl };
  const current = (await apps.list(projectId, { provider: PROVIDER, limit: 10 })).data.find(
    (a) => a.clientId === SEED.demoApp.clientId,
  );
  const allowedOrigins = sandboxOrigins(config);
  if (current) {
    // The emulator may listen elsewhere than last time (ports given as 0): re-point the app, and
    // add the local dev origins to a sandbox made before they were allowed.
    const merged = [...new Set([...current.allowedOrigins, ...allowedOrigins])];
    await apps.update(projectId, current.id, { cloud: 'custom', endpoints, allowedOrigins: merged });
    return;
  }
  await apps.create(projectId, {
    provider: PROVIDER,
    name: 'Sandbox demo app (emulator)',
    clientId: SEED.demoApp.clientId,
    credential: { type: 'secret', secret: SEED.demoApp.secretValue },
    cloud: 'custom',
    endpoints,
    userAuthority: 'common',
    homeTenantId: SEED.contoso.tenantId,
    allowedOrigins,
  });
}

/** The usual local dev servers (Next.js/CRA, Vite, webpack), so a frontend on them gets popup results. */
export const LOCAL_DEV_ORIGINS = [3000, 5173, 8080].flatMap((port) => [
  `http://localhost:${port}`,
  `http://127.0.0.1:${port}`,
]);

/** The sandbox app's allowed origins: the vault's own and the local dev servers'. */
export function sandboxOrigins(config: VaultConfig): string[] {
  return [...new Set([new URL(config.publicUrl).origin, ...LOCAL_DEV_ORIGINS])];
}
