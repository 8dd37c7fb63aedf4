import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, ConfigService } from '@nestjs/config';
import { loadConfig, type VaultConfig } from './config.schema';

/** Injection token of the typed {@link VaultConfig}. */
export const VAULT_CONFIG = Symbol('VAULT_CONFIG');

/**
 * Validates the environment once, through Nest's ConfigModule, and provides the typed
 * {@link VaultConfig} under {@link VAULT_CONFIG}. Tests pass `overrides` instead of
 * touching process.env.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(overrides: Record<string, string | undefined> = {}) {
    return {
      module: ConfigModule,
      imports: [
        NestConfigModule.forRoot({
          ignoreEnvFile: true,
          validate: (env) => ({ ...env, ...overrides, __vault: loadConfig({ ...env, ...overrides }) }),
        }),
      ],
      providers: [
        {
          provide: VAULT_CONFIG,
          inject: [ConfigService],
          useFactory: (config: ConfigService): VaultConfig => config.getOrThrow<VaultConfig>('__vault'),
        },
      ],
      exports: [VAULT_CONFIG],
    };
  }
}
