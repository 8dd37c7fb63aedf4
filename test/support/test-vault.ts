// The one way tests get a vault: the real application (createVaultApp: Fastify, real database,
// real key management, real Microsoft gateway) on the test clock, driven through supertest or
// its services. Several vaults over one database are replicas.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SchedulerRegistry } from '@nestjs/schedule';
import { LocalKeyProvider, MasterKeyring, type KeyProvider } from '@authpipe/crypto';
import request from 'supertest';
import { createVaultApp } from '../../apps/vault/src/bootstrap';
import type { MicrosoftConfig } from '../../apps/vault/src/config/config.schema';
import { createTestDatabase, type TestDatabase } from './test-database';
import { TestClock } from './test-clock';
import type { TestEmulator } from './test-emulator';
import { useStarted } from './use-started';

/** Where test vaults say they live; supertest drives them without listening. */
export const PUBLIC_URL = 'http://127.0.0.1:3999';

/**
 * Request limits no ordinary suite reaches (a suite sends hundreds of requests a minute from one
 * address), still installed so every request runs through them. test/security/rate-limits
 * passes its own, and suites that boot main.js see the real defaults.
 */
export const GENEROUS_RATE_LIMITS: Record<string, string> = {
  AUTHPIPE_RATE_LIMIT_PER_IP: '1000000',
  AUTHPIPE_RATE_LIMIT_UNAUTHENTICATED: '1000000',
  AUTHPIPE_RATE_LIMIT_PER_KEY: '1000000',
  AUTHPIPE_RATE_LIMIT_AUTH_FAILURES: '1000000',
};

/** An `AUTHPIPE_MASTER_KEYS` value with fresh random keys, newest first. */
export function masterKeyList(...versions: number[]): string {
  return (versions.length > 0 ? versions : [1]).map((v) => `${v}:${randomBytes(32).toString('base64')}`).join(',');
}

/** The key provider a vault builds from an `AUTHPIPE_MASTER_KEYS` value (for checks past the vault). */
export function keyProviderOf(masterKeys: string): KeyProvider {
  return new LocalKeyProvider(MasterKeyring.parse(masterKeys));
}

/** Everything the vault logged, as raw JSON lines. */
export class CapturedLogs {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });

  /** All lines joined: what a canary must never appear in. */
  text(): string {
    return this.lines.join('\n');
  }

  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/**
 * Where every vault of this test process logs. nestjs-pino keeps one root logger per process (the
 * first application's), so several vaults in one test file (replicas, restarts) log through the
 * same destination anyway: one capture, shared, says so plainly.
 */
const processLogs = new CapturedLogs();

export interface TestVaultOptions {
  /** The vault's clock; pass the emulator's to move both together. Default: a new TestClock. */
  clock?: TestClock;
  /** The emulator the vault's Microsoft gateway reaches (its CA and routes). */
  emulator?: TestEmulator;
  /** Extra Microsoft settings (beside or instead of an emulator's). */
  microsoft?: Partial<MicrosoftConfig>;
  /** Environment beside the test defaults (NODE_ENV=test, a temporary data dir, random master keys). */
  env?: Record<string, string>;
  /** Share a database (another vault's: replicas). Default: a fresh clone of the migrated template. */
  database?: TestDatabase;
  /** The replica id, for tests of several vaults over one database. */
  replicaId?: string;
  /** Serve the admin API (the CLI's, normally only with the embedded database). */
  adminApi?: boolean;
}

/**
 * A test vault is the production application with two differences: it runs on a {@link TestClock}
 * and its scheduled jobs (cron) are stopped, since they fire on the machine's wall clock, not the
 * test clock; a test runs a job by calling it (`vault.get(ExpiredFlowsJob).run()`).
 */
export interface TestVault {
  readonly app: NestFastifyApplication;
  readonly db: TestDatabase;
  readonly clock: TestClock;
  /** What the vaults of this test process logged (one capture per process: see `processLogs`). */
  readonly logs: CapturedLogs;
  /** The environment the vault was created with (its master keys included). */
  readonly env: Record<string, string>;
  readonly dataDir: string;
  /** The Node HTTP server, for supertest. */
  server(): Server;
  /** A supertest request builder against the vault. */
  api(): ReturnType<typeof request>;
  /** A provider of the application (a service, a repository). */
  get<T>(token: abstract new (...args: never[]) => T): T;
  close(): Promise<void>;
}

export async function createTestVault(options: TestVaultOptions = {}): Promise<TestVault> {
  const clock = options.clock ?? options.emulator?.clock ?? new TestClock();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-test-'));
  const ownsDatabase = options.database === undefined;
  const db = options.database ?? (await createTestDatabase());
  const logs = processLogs;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    AUTHPIPE_PUBLIC_URL: PUBLIC_URL,
    AUTHPIPE_DATA_DIR: dataDir,
    AUTHPIPE_MASTER_KEYS: masterKeyList(1),
    ...GENEROUS_RATE_LIMITS,
    ...options.env,
  };
  let app: NestFastifyApplication;
  try {
    app = await createVaultApp({
      env,
      database: db,
      logDestination: logs.stream,
      microsoft: { ...options.emulator?.microsoft, ...options.microsoft },
      clock: clock.read,
      ...(options.replicaId !== undefined ? { replicaId: options.replicaId } : {}),
      ...(options.adminApi !== undefined ? { adminApi: options.adminApi } : {}),
    });
  } catch (error) {
    if (ownsDatabase) await db.close();
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  for (const job of app.get(SchedulerRegistry).getCronJobs().values()) await job.stop();
  return {
    app,
    db,
    clock,
    logs,
    env,
    dataDir,
    server: () => app.getHttpServer(),
    api: () => request(app.getHttpServer()),
    get: (token) => app.get(token),
    async close() {
      await app.close();
      if (ownsDatabase) await db.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One vault for the enclosing describe block (created in beforeAll, closed in afterAll). */
export function useTestVault(options: TestVaultOptions | (() => TestVaultOptions) = {}): TestVault {
  return useStarted(() => createTestVault(typeof options === 'function' ? options() : options));
}

/**
 * More vaults over `primary`'s database, on its clock and with its master keys unless told
 * otherwise: replicas, as several processes of one deployment are. Each is started when a test
 * asks and closed after the enclosing describe block.
 */
export function useReplicas(primary: TestVault): (options?: TestVaultOptions) => Promise<TestVault> {
  const started: TestVault[] = [];
  afterAll(async () => {
    await Promise.all(started.splice(0).map((replica) => replica.close()));
  });
  return async (options = {}) => {
    const replica = await createTestVault({
      database: primary.db,
      clock: primary.clock,
      ...options,
      env: { AUTHPIPE_MASTER_KEYS: primary.env.AUTHPIPE_MASTER_KEYS, ...options.env },
    });
    started.push(replica);
    return replica;
  };
}
