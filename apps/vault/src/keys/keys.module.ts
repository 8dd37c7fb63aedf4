import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Envelope, type KeyProvider } from '@authpipe/crypto';
import { BusModule } from '../bus/bus.module';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { CiphertextSweepRepository } from './ciphertext-sweep.repository';
import { DataKeyInvalidation } from './data-key-invalidation';
import { DataKeyRepository } from './data-key.repository';
import { KeyJobLock } from './key-job-lock';
import type { KeyJobsOptions } from './key-job.types';
import { KeyJobsRepository } from './key-jobs.repository';
import { KeyJobsService } from './key-jobs.service';
import { KEY_JOBS_OPTIONS, KEY_PROVIDER } from './keys.tokens';
import { KeyMaterialWiper } from './key-material-wiper';
import { MasterKeyRotationJob } from './master-key-rotation.job';
import { TenantKeyRotationJob } from './tenant-key-rotation.job';
import { TenantKeysRepository } from './tenant-keys.repository';
import { TenantResolver } from './tenant-resolver';
import { TenantShredJob } from './tenant-shred.job';

/**
 * Key management of the vault: the master key provider, the {@link Envelope} over the Prisma
 * data-key store, tenants' data keys and the key jobs (rotation, shredding). Global. Needs the
 * ConfigModule (VAULT_CONFIG), the CommonModule and the DatabaseModule. Encrypted values are the
 * SecretsModule's, which builds on this one (never the other way round).
 */
@Global()
@Module({})
export class KeysModule {
  static forRoot(provider: KeyProvider): DynamicModule {
    return {
      module: KeysModule,
      imports: [BusModule],
      providers: [
        { provide: KEY_PROVIDER, useValue: provider },
        {
          provide: KEY_JOBS_OPTIONS,
          inject: [VAULT_CONFIG],
          // AUTHPIPE_KEY_JOB_BATCH_SIZE and AUTHPIPE_RETIRED_KEY_GRACE_MS.
          useFactory: (config: VaultConfig): KeyJobsOptions => config.keyJobs,
        },
        {
          provide: Envelope,
          inject: [VAULT_CONFIG, DataKeyRepository],
          useFactory: (config: VaultConfig, store: DataKeyRepository) =>
            new Envelope({
              keyProvider: provider,
              store,
              cache: { maxEntries: config.dataKeys.cacheMax, ttlMs: config.dataKeys.cacheTtlMs },
              rotateAfterUses: config.dataKeys.rotateAfterUses,
            }),
        },
        DataKeyRepository,
        DataKeyInvalidation,
        TenantKeysRepository,
        TenantResolver,
        CiphertextSweepRepository,
        KeyJobsRepository,
        KeyJobLock,
        MasterKeyRotationJob,
        TenantKeyRotationJob,
        TenantShredJob,
        KeyJobsService,
        KeyMaterialWiper,
      ],
      exports: [KEY_PROVIDER, Envelope, DataKeyRepository, TenantResolver, KeyJobsService],
    };
  }
}
