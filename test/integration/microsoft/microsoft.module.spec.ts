import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsService } from '../../../apps/vault/src/apps/apps.service';
import { MicrosoftGateway } from '../../../apps/vault/src/microsoft/microsoft-gateway';
import { MicrosoftModule } from '../../../apps/vault/src/microsoft/microsoft.module';
import { APP_ORIGIN, aProject } from '@test/support/builders';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

describe(MicrosoftModule.name, () => {
  const t = useTestEmulator();
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-ms-'));
    await fs.writeFile(path.join(dir, 'ca.pem'), t.emulator.caCertPem);
  });
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
  // Only the production variables (no emulator settings): the real global hosts, routed to the
  // emulator, its CA trusted.
  const vault = useTestVault(() => ({
    env: {
      AUTHPIPE_MICROSOFT_CA_FILE: path.join(dir, 'ca.pem'),
      AUTHPIPE_MICROSOFT_ROUTES: `login.microsoftonline.com=${t.emulator.baseUrl},graph.microsoft.com=${t.emulator.baseUrl}`,
    },
  }));

  it('checks a global-cloud app against the emulator through AUTHPIPE_MICROSOFT_ROUTES and AUTHPIPE_MICROSOFT_CA_FILE', async () => {
    const { projectId } = await aProject(vault);
    const apps = vault.get(AppsService);
    const app = await apps.create(projectId, {
      name: 'Global',
      clientId: SEED.demoApp.clientId,
      credential: { type: 'secret', secret: SEED.demoApp.secretValue },
      cloud: 'global',
      homeTenantId: SEED.contoso.tenantId,
      allowedOrigins: [APP_ORIGIN],
    });
    expect(await apps.check(projectId, app.id)).toMatchObject({ ok: true, status: 'active' });
  });

  it('is one gateway for the whole application, whichever module looks it up', () => {
    const gateway = vault.get(MicrosoftGateway);
    expect(gateway).toBeInstanceOf(MicrosoftGateway);
    expect(vault.app.select(MicrosoftModule).get(MicrosoftGateway)).toBe(gateway);
  });
});
