import 'reflect-metadata';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeBootError } from './boot-errors';
import { createVaultApp } from './bootstrap';
import { VAULT_CONFIG } from './config/config.module';
import { loadConfig, type VaultConfig } from './config/config.schema';
import { restrictUmask } from './config/data-dir';

/** Starts the vault: `npm start` (embedded defaults) or `node dist/apps/vault/src/main.js`. */
async function main(): Promise<void> {
  // Every file the vault creates (PGlite's database files, keys, tokens) is its owner's only.
  restrictUmask();
  // Sandbox: on outside production unless AUTHPIPE_SANDBOX says otherwise. Its emulator starts
  // first: the vault's Microsoft gateway is built once, knowing the emulator's CA and origins.
  // Loaded on demand, so a production vault never loads emulator code.
  const settings = loadConfig(process.env);
  const sandbox = settings.sandbox ? await import('./sandbox/sandbox.js') : null;
  const emulator = sandbox ? await sandbox.startSandboxEmulator(settings) : null;
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
  await app.listen({ host: config.host, port: config.port });
  new Logger('Vault').log(`Authpipe vault listening on ${await app.getUrl()}`);
  if (sandbox && emulator) {
    const running = await sandbox.startSandbox(app, config, emulator);
    demoProject = running.file.projectId;
    const { sandboxBanner } = await import('./sandbox/sandbox-banner.js');
    process.stdout.write(`${sandboxBanner(running, path.join(config.dataDir, 'sandbox.json'))}\n`);
  }
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad config, missing keys): stderr, then a failing exit code.
  process.stderr.write(`${describeBootError(error)}\n`);
  process.exit(1);
});
