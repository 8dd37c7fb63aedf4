// A vault in sandbox mode, wired as main.ts wires it (its own in-process emulator, the demo
// project and app), listening on a free loopback port with a fresh data directory and database:
// what the browser specs open in Chromium.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createVaultApp } from '../../apps/vault/src/bootstrap';
import { VAULT_CONFIG } from '../../apps/vault/src/config/config.module';
import { loadConfig, type VaultConfig } from '../../apps/vault/src/config/config.schema';
import {
  sandboxMicrosoft,
  startSandbox,
  startSandboxEmulator,
  type RunningSandbox,
} from '../../apps/vault/src/sandbox/sandbox';
import { createTestDatabase, type TestDatabase } from './test-database';

/** A loopback port nothing listens on (now). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SandboxVault {
  /** `http://127.0.0.1:<port>`: the vault's public URL, where it listens. */
  vaultUrl: string;
  dataDir: string;
  db: TestDatabase;
  app: NestFastifyApplication;
  sandbox: RunningSandbox;
  /** Stops the sandbox (and its emulator), the vault and the database; removes the data directory. */
  close(): Promise<void>;
}

export interface SandboxVaultOptions {
  /** Prefix of the temporary data directory's name. */
  name?: string;
  /** Where the vault logs; default nowhere. */
  logDestination?: Writable;
  /** Routes added before the vault starts, given the sandbox project's id once it exists. */
  extraRoutes?: (app: NestFastifyApplication, projectId: () => string | null) => void;
}

/** Starts a {@link SandboxVault}; close it in an `afterAll`. */
export async function startSandboxVault(options: SandboxVaultOptions = {}): Promise<SandboxVault> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), options.name ?? 'authpipe-sandbox-'));
  const closers: (() => Promise<unknown>)[] = [() => fs.rm(dataDir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const db = await createTestDatabase();
    closers.push(() => db.close());
    const port = await freePort();
    const vaultUrl = `http://127.0.0.1:${port}`;
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      AUTHPIPE_PUBLIC_URL: vaultUrl,
      AUTHPIPE_DATA_DIR: dataDir,
      AUTHPIPE_MASTER_KEYS: `1:${randomBytes(32).toString('base64')}`,
    };
    const emulator = await startSandboxEmulator(loadConfig(env), { emulatorPort: 0, emulatorHttpPort: 0 });
    // The sandbox owns the emulator once started (its close() stops it): stopped once, after the vault.
    let emulatorClosed: Promise<void> | null = null;
    closers.push(() => (emulatorClosed ??= emulator.close()));
    let projectId: string | null = null;
    // As main.ts wires it in sandbox mode.
    const app = await createVaultApp({
      env,
      database: db,
      logDestination: options.logDestination ?? new Writable({ write: (_c, _e, done) => done() }),
      microsoft: sandboxMicrosoft(emulator),
      ...(options.extraRoutes ? { extraRoutes: (created) => options.extraRoutes?.(created, () => projectId) } : {}),
    });
    closers.push(() => app.close());
    await app.listen({ host: '127.0.0.1', port });
    const sandbox = await startSandbox(app, app.get<VaultConfig>(VAULT_CONFIG), emulator);
    projectId = sandbox.file.projectId;
    return { vaultUrl, dataDir, db, app, sandbox, close };
  } catch (error) {
    await close();
    throw error;
  }
}
