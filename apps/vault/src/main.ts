import 'reflect-metadata';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { createVaultApp } from './bootstrap';
import { describeBootError } from './common/boot-errors';
import { startSandbox } from './sandbox/sandbox';
import { sandboxBanner } from './sandbox/sandbox-banner';
import { VAULT_CONFIG } from './config/config.module';
import type { VaultConfig } from './config/config.schema';

/** Starts the vault: `npm start` (embedded defaults) or `node dist/apps/vault/src/main.js`. */
async function main(): Promise<void> {
  const app = await createVaultApp();
  const config = app.get<VaultConfig>(VAULT_CONFIG);
  await app.listen({ host: config.host, port: config.port });
  new Logger('Vault').log(`Authpipe vault listening on ${await app.getUrl()}`);
  // Sandbox: on outside production unless AUTHPIPE_SANDBOX says otherwise.
  if (config.sandbox) {
    const sandbox = await startSandbox(app, config);
    process.stdout.write(`${sandboxBanner(sandbox, path.join(config.dataDir, 'sandbox.json'))}\n`);
  }
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad config, missing keys): stderr, then a failing exit code.
  process.stderr.write(`${describeBootError(error)}\n`);
  process.exit(1);
});
