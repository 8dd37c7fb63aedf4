import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { Test, type TestingModule } from '@nestjs/testing';
import { Envelope, LocalKeyProvider, MasterKeyring, type KeyProvider } from '@authpipe/crypto';
import { ConfigModule } from '../../apps/vault/src/config/config.module';
import { loadConfig } from '../../apps/vault/src/config/config.schema';
import type { Database } from '../../apps/vault/src/database/database';
import { DatabaseModule } from '../../apps/vault/src/database/database.module';
import { DataKeyRepository } from '../../apps/vault/src/keys/data-key.repository';
import { KeyJobsService } from '../../apps/vault/src/keys/key-jobs.service';
import { CommonModule } from '../../apps/vault/src/common/common.module';
import { KeysModule } from '../../apps/vault/src/keys/keys.module';

/** Key-job tuning, given to the vault as AUTHPIPE_KEY_JOB_BATCH_SIZE and AUTHPIPE_RETIRED_KEY_GRACE_MS. */
export interface KeysModuleOptions {
  jobBatchSize?: number;
  retiredKeyGraceMs?: number;
}
import { SecretsModule } from '../../apps/vault/src/secrets/secrets.module';
import { SecretsService } from '../../apps/vault/src/secrets/secrets.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** A master key list in the AUTHPIPE_MASTER_KEYS format with fresh random keys, newest first. */
export function masterKeyList(...versions: number[]): string {
  return versions.map((v) => `${v}:${randomBytes(32).toString('base64')}`).join(',');
}

export function providerOf(list: string): KeyProvider {
  return new LocalKeyProvider(MasterKeyring.parse(list));
}

/** One "replica" of the vault's key management over a test database: the real Nest module. */
export interface KeysHarness {
  module: TestingModule;
  secrets: SecretsService;
  jobs: KeyJobsService;
  envelope: Envelope;
  dataKeys: DataKeyRepository;
  close(): Promise<void>;
}

export async function createKeysHarness(
  db: Database,
  provider: KeyProvider,
  options: KeysModuleOptions & { env?: Record<string, string> } = {},
): Promise<KeysHarness> {
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(
        loadConfig({
          NODE_ENV: 'test',
          AUTHPIPE_KEY_JOB_BATCH_SIZE: options.jobBatchSize?.toString(),
          AUTHPIPE_RETIRED_KEY_GRACE_MS: options.retiredKeyGraceMs?.toString(),
          ...options.env,
        }),
      ),
      DatabaseModule.forRoot(db, { owned: false }),
      CommonModule.forRoot(),
      KeysModule.forRoot(provider),
      SecretsModule,
    ],
  }).compile();
  await module.init();
  return {
    module,
    secrets: module.get(SecretsService),
    jobs: module.get(KeyJobsService),
    envelope: module.get(Envelope),
    dataKeys: module.get(DataKeyRepository),
    close: () => module.close(),
  };
}

/** Inserts a project row (the projects feature owns creating them for real). */
export async function createProject(db: Database, id: string): Promise<void> {
  await db.prisma.project.create({ data: { id, name: `Project ${id}` } });
}

/** A test database with one project, and the key-management replicas started over it. */
export interface KeysDb {
  readonly db: TestDatabase;
  /** Starts one more replica of key management over the database; closed after the file. */
  replica(provider: KeyProvider, options?: KeysModuleOptions & { env?: Record<string, string> }): Promise<KeysHarness>;
}

/**
 * Registers beforeAll/afterAll hooks: a test database of the file's own with project
 * `projectId`, and every replica started through it closed before the database.
 */
export function useKeysDb(projectId: string): KeysDb {
  let db: TestDatabase | undefined;
  const replicas: KeysHarness[] = [];
  const ready = (): TestDatabase => {
    if (db === undefined) throw new Error('useKeysDb: the database is read before its beforeAll ran');
    return db;
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    await createProject(db, projectId);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await db?.close();
  });
  return {
    get db() {
      return ready();
    },
    async replica(provider, options = {}) {
      const replica = await createKeysHarness(ready(), provider, options);
      replicas.push(replica);
      return replica;
    },
  };
}
