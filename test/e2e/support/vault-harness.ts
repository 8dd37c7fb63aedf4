import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createVaultApp } from '../../../apps/vault/src/bootstrap';
import type { MicrosoftConfig } from '../../../apps/vault/src/config/config.schema';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';

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

/** A `AUTHPIPE_MASTER_KEYS` value with one random version-1 key. */
export function randomMasterKeys(version = 1): string {
  return `${version}:${randomBytes(32).toString('base64')}`;
}

export interface VaultHarness {
  app: NestFastifyApplication;
  db: TestDatabase;
  logs: CapturedLogs;
  env: Record<string, string>;
  dataDir: string;
  /** The Node HTTP server for supertest. */
  server: () => import('node:http').Server;
  close(): Promise<void>;
}

/**
 * The real vault (real Nest app, Fastify, real database from createTestDatabase, real key
 * provider) with its logs captured, for supertest. `microsoft` adds run-time Microsoft settings
 * (an emulator's CA, routes), as the sandbox does.
 */
export async function startVault(
  extraEnv: Record<string, string> = {},
  options: { microsoft?: Partial<MicrosoftConfig> } = {},
): Promise<VaultHarness> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-e2e-'));
  const db = await createTestDatabase();
  const logs = new CapturedLogs();
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    AUTHPIPE_DATA_DIR: dataDir,
    AUTHPIPE_MASTER_KEYS: randomMasterKeys(),
    ...extraEnv,
  };
  const app = await createVaultApp({ env, database: db, logDestination: logs.stream, microsoft: options.microsoft });
  return {
    app,
    db,
    logs,
    env,
    dataDir,
    server: () => app.getHttpServer(),
    close: async () => {
      await app.close();
      await db.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
