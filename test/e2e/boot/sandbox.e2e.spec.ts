import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VAULT_CONFIG } from '../../../apps/vault/src/config/config.module';
import type { VaultConfig } from '../../../apps/vault/src/config/config.schema';
import { startSandbox, startSandboxEmulator } from '../../../apps/vault/src/sandbox/sandbox';
import { bearer } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

describe(startSandbox.name, () => {
  const vault = useTestVault({ env: { AUTHPIPE_PUBLIC_URL: 'http://127.0.0.1:3998' } });

  it('seeds one demo project across restarts, shows its key only the first time, and re-points the app at the emulator', async () => {
    const config = vault.app.get<VaultConfig>(VAULT_CONFIG);
    const ports = { emulatorPort: 0, emulatorHttpPort: 0 };
    const first = await startSandbox(vault.app, config, await startSandboxEmulator(config, ports));
    await first.close();
    const second = await startSandbox(vault.app, config, await startSandboxEmulator(config, ports));
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
    } finally {
      await second.close();
    }
  });
});
