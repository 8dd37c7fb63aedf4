import { Global, Module, type DynamicModule } from '@nestjs/common';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import type { Migration } from '../database/migrator';
import { MIGRATIONS } from '../health/health.tokens';

/**
 * Provides the config validated by bootstrap before Nest starts (so a bad variable never
 * reaches a module), as a value rather than through @nestjs/config re-reading process.env,
 * which would also defeat the isolated environments of tests and the CLI.
 */
@Global()
@Module({})
export class VaultConfigModule {
  static forRoot(config: VaultConfig, migrations: Migration[]): DynamicModule {
    return {
      module: VaultConfigModule,
      providers: [
        { provide: VAULT_CONFIG, useValue: config },
        { provide: MIGRATIONS, useValue: migrations },
      ],
      exports: [VAULT_CONFIG, MIGRATIONS],
    };
  }
}
