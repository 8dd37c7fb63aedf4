import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../microsoft-emulator/src/emulator';
import { SEED } from '../../../microsoft-emulator/src/directory/seed';
import { createFlowsHarness, insertProject, type FlowsHarness } from '../../../../test/flows/flows-harness';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { AppsService } from '../apps/apps.service';
import { MicrosoftGateway } from './microsoft-gateway';
import { MicrosoftModule } from './microsoft.module';

const PROJECT = 'prj_microsoft_module';

describe(MicrosoftModule.name, () => {
  let db: TestDatabase;
  let emulator: RunningEmulator;
  let dir: string;
  let harness: FlowsHarness;

  beforeAll(async () => {
    db = await createTestDatabase();
    emulator = await startEmulator({ dataDir: null });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-ms-'));
    const caFile = path.join(dir, 'ca.pem');
    await fs.writeFile(caFile, emulator.caCertPem);
    // Only the production variables: the real global hosts, routed to the emulator, its CA trusted.
    harness = await createFlowsHarness(db, {
      env: {
        AUTHPIPE_MICROSOFT_CA_FILE: caFile,
        AUTHPIPE_MICROSOFT_ROUTES: `login.microsoftonline.com=${emulator.baseUrl},graph.microsoft.com=${emulator.baseUrl}`,
      },
    });
    await insertProject(db, PROJECT);
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await emulator?.close();
    await db?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('checks a global-cloud app against the emulator through AUTHPIPE_MICROSOFT_ROUTES and AUTHPIPE_MICROSOFT_CA_FILE', async () => {
    const apps = harness.module.get(AppsService);
    const app = await apps.create(PROJECT, {
      name: 'Global',
      clientId: SEED.demoApp.clientId,
      credential: { type: 'secret', secret: SEED.demoApp.secretValue },
      cloud: 'global',
      homeTenantId: SEED.contoso.tenantId,
      allowedOrigins: ['https://app.example.com'],
    });
    expect(await apps.check(PROJECT, app.id)).toMatchObject({ ok: true, status: 'active' });
  });

  it('is one gateway for the whole application, whichever module looks it up', () => {
    const gateway = harness.module.get(MicrosoftGateway, { strict: false });
    expect(gateway).toBeInstanceOf(MicrosoftGateway);
    expect(harness.module.select(MicrosoftModule).get(MicrosoftGateway)).toBe(gateway);
  });
});
