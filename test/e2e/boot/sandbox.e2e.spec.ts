import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../../apps/microsoft-emulator/src/emulator';
import { VAULT_CONFIG } from '../../../apps/vault/src/config/config.module';
import { loadConfig, type VaultConfig } from '../../../apps/vault/src/config/config.schema';
import { sandboxMicrosoft, startSandbox, startSandboxEmulator } from '../../../apps/vault/src/sandbox/sandbox';
import { bearer } from '@test/support/builders';
import { createTestVault, type TestVault } from '@test/support/test-vault';

const PUBLIC_URL = 'http://127.0.0.1:3998';

/** The sandbox closes its emulator; afterAll closes whatever a failed test left open. */
function closingOnce(emulator: RunningEmulator): RunningEmulator {
  let closed: Promise<void> | undefined;
  const close = emulator.close.bind(emulator);
  return { ...emulator, close: () => (closed ??= close()) };
}

describe(startSandbox.name, () => {
  let vault: TestVault;
  let emulatorDir: string;
  /** The emulator of the first start and of the restart (random ports: they differ). */
  let emulators: [RunningEmulator, RunningEmulator];

  beforeAll(async () => {
    // As in main.ts, the emulators start before the vault, whose Microsoft settings must know them
    // (custom-cloud origins, allowed loopback address); one vault stands in for both starts.
    emulatorDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-sandbox-emulator-'));
    const emulatorConfig = loadConfig({ AUTHPIPE_PUBLIC_URL: PUBLIC_URL, AUTHPIPE_DATA_DIR: emulatorDir });
    const ports = { emulatorPort: 0, emulatorHttpPort: 0 };
    emulators = [
      closingOnce(await startSandboxEmulator(emulatorConfig, ports)),
      closingOnce(await startSandboxEmulator(emulatorConfig, ports)),
    ];
    const [one, two] = emulators.map(sandboxMicrosoft);
    vault = await createTestVault({
      env: { AUTHPIPE_PUBLIC_URL: PUBLIC_URL },
      microsoft: {
        ...one,
        customCloudOrigins: [...(one.customCloudOrigins ?? []), ...(two.customCloudOrigins ?? [])],
        allowPrivateNetworks: [...(one.allowPrivateNetworks ?? []), ...(two.allowPrivateNetworks ?? [])],
      },
    });
  }, 60_000);
  afterAll(async () => {
    await vault?.close();
    for (const emulator of emulators ?? []) await emulator.close();
    if (emulatorDir) await fs.rm(emulatorDir, { recursive: true, force: true });
  });

  it('seeds one demo project across restarts, shows its key only the first time, and re-points the app at the emulator', async () => {
    const config = vault.app.get<VaultConfig>(VAULT_CONFIG);
    const first = await startSandbox(vault.app, config, emulators[0]);
    await first.close();
    const second = await startSandbox(vault.app, config, emulators[1]);
    try {
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.file.projectId).toBe(first.file.projectId);
      expect(second.file.secretKey).toBe(first.file.secretKey);
      expect(await vault.db.prisma.project.count()).toBe(1);

      const file = path.join(vault.dataDir, 'sandbox.json');
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual(second.file);

      const apps = await vault.api().get('/v1/apps').set(bearer(second.file.secretKey)).expect(200);
      expect(apps.body.data).toHaveLength(1);
      expect(apps.body.data[0]).toMatchObject({ cloud: 'custom' });
      expect(JSON.stringify(apps.body.data[0])).toContain(second.emulator.baseUrl);
      expect(JSON.stringify(apps.body)).not.toContain('sandbox-only-secret');
      // A frontend on the usual local dev servers gets its popup results.
      expect(apps.body.data[0].allowedOrigins).toEqual(
        expect.arrayContaining([
          new URL(config.publicUrl).origin,
          'http://localhost:3000',
          'http://localhost:5173',
          'http://localhost:8080',
          'http://127.0.0.1:3000',
          'http://127.0.0.1:5173',
          'http://127.0.0.1:8080',
        ]),
      );
    } finally {
      await second.close();
    }
  });
});
