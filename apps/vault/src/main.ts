import 'reflect-metadata';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeBootError } from './boot-errors';
import { assertPortsFree, describeListenError, plannedPorts, type PlannedPort } from './boot-ports';
import { createVaultApp } from './bootstrap';
import { VAULT_CONFIG } from './config/config.module';
import { loadConfig, type VaultConfig } from './config/config.schema';
import { restrictUmask } from './config/data-dir';
import type { RunningEmulator } from '../../microsoft-emulator/src/emulator';
import type { RunningSandbox } from './sandbox/sandbox';

/** Starts the vault: `npm start` (embedded defaults) or `node dist/apps/vault/src/main.js`. */
async function main(): Promise<void> {
  // Every file the vault creates (PGlite's database files, keys, tokens) is its owner's only.
  restrictUmask();
  // Sandbox: on outside production unless AUTHPIPE_SANDBOX says otherwise. Its emulator starts
  // first: the vault's Microsoft gateway is built once, knowing the emulator's CA and origins.
  // Loaded on demand, so a production vault never loads emulator code.
  const settings = loadConfig(process.env);
  // Before any work (key file, database, emulator): a busy port is named in milliseconds.
  const ports = plannedPorts(settings, settings.sandbox);
  await assertPortsFree(ports);
  const sandbox = settings.sandbox ? await import('./sandbox/sandbox.js') : null;
  const emulator = sandbox ? await sandbox.startSandboxEmulator(settings).catch(rethrowListen(ports)) : null;
  // The sandbox's example page (React SDK) and its stand-in backend, also sandbox-only.
  const example = sandbox ? await import('./sandbox/sandbox-example.js') : null;
  let demoProject: string | null = null;
  let app: NestFastifyApplication;
  try {
    app = await createVaultApp({
      microsoft: sandbox && emulator ? sandbox.sandboxMicrosoft(emulator) : undefined,
      extraRoutes: example ? (created) => example.registerSandboxExample(created, () => demoProject) : undefined,
    });
  } catch (error) {
    await emulator?.close();
    throw error;
  }
  const config = app.get<VaultConfig>(VAULT_CONFIG);
  const running = await startSandboxThenListen(app, config, sandbox && emulator ? { sandbox, emulator } : null).catch(
    rethrowListen(ports),
  );
  new Logger('Vault').log(`Authpipe vault listening on ${await app.getUrl()}`);
  demoProject = running?.file.projectId ?? null;
  if (running) {
    const { sandboxBanner } = await import('./sandbox/sandbox-banner.js');
    // On stderr: stdout carries the log records (JSON lines for a collector), the banner is for a person.
    process.stderr.write(`${sandboxBanner(running, path.join(config.dataDir, 'sandbox.json'))}\n`);
  }
}

/**
 * Seeds the sandbox's demo project and key, then listens: once /readyz answers at all,
 * sandbox.json is there to read. Closes the app when either fails.
 */
async function startSandboxThenListen(
  app: NestFastifyApplication,
  config: VaultConfig,
  withSandbox: { sandbox: typeof import('./sandbox/sandbox.js'); emulator: RunningEmulator } | null,
): Promise<RunningSandbox | null> {
  try {
    const running = withSandbox ? await withSandbox.sandbox.startSandbox(app, config, withSandbox.emulator) : null;
    await app.listen({ host: config.host, port: config.port });
    return running;
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}

function rethrowListen(ports: PlannedPort[]): (error: unknown) => never {
  return (error) => {
    throw describeListenError(error, ports);
  };
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad config, missing keys): stderr, then a failing exit code.
  process.stderr.write(`${describeBootError(error)}\n`);
  process.exit(1);
});
