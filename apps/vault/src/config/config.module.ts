import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { VaultConfig } from './config.schema';

/** Injection token of the typed {@link VaultConfig}. */
export const VAULT_CONFIG = Symbol('VAULT_CONFIG');

/**
 * Provides the config that bootstrap validated before Nest starts (`loadConfig`: one error
 * listing every bad variable), so a bad variable never reaches a module. A value, not Nest's
 * ConfigModule re-reading process.env: tests and the CLI pass their own environments, and
 * production and tests wire the application the same way.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: VaultConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: VAULT_CONFIG, useValue: config }],
      exports: [VAULT_CONFIG],
    };
  }
}
