// A vault in a child process of its own, set up for the Graph proxy's memory tests and benchmark:
// its database seeded here (a project, an app at the emulator, an installation) by an in-process
// vault that is then closed, so the child is the only process using it, and the emulator left in
// this process. What the child's memory does is then the vault's alone.
import { writeFile } from 'node:fs/promises';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../../apps/vault/src/database/database';
import { anApp, anAppBody, anEmulatorApp, anInstallation, aProject, type TestProject } from './builders';
import { buildReplica, startReplicaProcess, type ReplicaBuild, type ReplicaProcess } from './replica-process';
import { createTestDatabase, seedPgliteDirectory, type TestDatabase } from './test-database';
import { SEED, type TestEmulator } from './test-emulator';
import { createTestVault, masterKeyList } from './test-vault';

export interface ProxyVaultProcess {
  readonly vault: ReplicaProcess;
  readonly project: TestProject;
  /** A tenant whose installation reaches the seeded Contoso directory (app-only, Files.ReadWrite.All). */
  readonly tenantId: string;
  close(): Promise<void>;
}

/** Seeds a database, then starts the compiled vault on it as a child process (`nodeOptions`: its NODE_OPTIONS). */
export async function startProxyVaultProcess(
  t: TestEmulator,
  options: { nodeOptions?: string } = {},
): Promise<ProxyVaultProcess> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-proxy-vault-'));
  const masterKeys = masterKeyList(1);
  let build: ReplicaBuild | undefined;
  let db: TestDatabase | undefined;
  try {
    // PGlite: one process per data directory, so it is seeded here, closed, then handed over.
    // PostgreSQL: a database of its own, which both processes reach by URL.
    db = process.env.DATABASE_URL ? await createTestDatabase() : await pgliteIn(path.join(dataDir, 'pg'));
    const seeding = await createTestVault({ database: db, emulator: t, env: { AUTHPIPE_MASTER_KEYS: masterKeys } });
    const tenantId = 'org_proxy_memory';
    let project: TestProject;
    try {
      project = await aProject(seeding);
      const registered = await anEmulatorApp(t);
      const appId = await anApp(seeding, project, anAppBody(t, registered));
      t.emulator.store.grantAdminConsent({
        tenantId: SEED.contoso.tenantId,
        clientId: registered.clientId,
        roles: ['Files.ReadWrite.All', 'Sites.ReadWrite.All'],
        scopes: [],
        grantedBy: SEED.contoso.admin.id,
      });
      // About to expire: the child's first use mints a real app-only token.
      await anInstallation(
        seeding,
        { projectId: project.projectId, appId, tenantId },
        { expiresAt: seeding.clock.date(1000), refreshAt: seeding.clock.date(0) },
      );
    } finally {
      await seeding.close();
    }
    const url = db.url;
    if (url === null) await db.close();

    const caFile = path.join(dataDir, 'emulator-ca.pem');
    await writeFile(caFile, t.emulator.caCertPem);
    const emulatorOrigin = new URL(t.emulator.baseUrl);
    build = buildReplica();
    const vault = await startReplicaProcess(build, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ...(options.nodeOptions !== undefined ? { NODE_OPTIONS: options.nodeOptions } : {}),
      ...clockShift(),
      HOST: '127.0.0.1',
      PORT: '0',
      AUTHPIPE_DATA_DIR: dataDir,
      AUTHPIPE_MASTER_KEYS: masterKeys,
      AUTHPIPE_SANDBOX: 'false',
      AUTHPIPE_MICROSOFT_CA_FILE: caFile,
      AUTHPIPE_CUSTOM_CLOUD_ORIGINS: emulatorOrigin.origin,
      AUTHPIPE_ALLOW_PRIVATE_NETWORKS: emulatorOrigin.hostname,
      ...(url !== null ? { DATABASE_URL: url } : {}),
    });
    const owned = { build, db: url !== null ? db : undefined };
    return {
      vault,
      project,
      tenantId,
      async close() {
        await vault.close();
        await owned.build.remove();
        await owned.db?.close();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await build?.remove();
    if (db?.url) await db.close();
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The machine clock shift this process runs under (CI runs the PGlite suites under `faketime`):
 * the child must see the same time as the database rows seeded here and the emulator.
 */
function clockShift(): Record<string, string> {
  const shift: Record<string, string> = {};
  for (const name of ['LD_PRELOAD', 'FAKETIME', 'FAKETIME_SHARED']) {
    const value = process.env[name];
    if (value !== undefined) shift[name] = value;
  }
  return shift;
}

/** A migrated PGlite database in `dir` (what the vault opens at AUTHPIPE_DATA_DIR/pg). */
async function pgliteIn(dir: string): Promise<TestDatabase> {
  if (!(await seedPgliteDirectory(dir))) throw new Error('no PGlite template in this run');
  const pglite = await PGlite.create({ dataDir: dir });
  const db = await openDatabase({ pglite });
  return {
    ...db,
    url: null,
    close: async () => {
      await db.close();
      await pglite.close();
    },
  };
}
