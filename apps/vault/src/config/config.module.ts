import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, ConfigService } from '@nestjs/config';
import { loadConfig, withMicrosoft, type MicrosoftConfig, type VaultConfig } from './config.schema';

/** Injection token of the typed {@link VaultConfig}. */
export const VAULT_CONFIG = Symbol('VAULT_CONFIG');

/**
 * Validates the environment once, through Nest's ConfigModule, and provides the typed
 * {@link VaultConfig} under {@link VAULT_CONFIG}. Tests pass `overrides` instead of
 * touching process.env, and `microsoft` for settings only known at run time (an emulator's CA).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(overrides: Record<string, string | undefined> = {}, microsoft?: Partial<MicrosoftConfig>) {
    return {
      module: ConfigModule,
      imports: [
        NestConfigModule.forRoot({
          ignoreEnvFile: true,
          validate: (env) => ({
            ...env,
            ...overrides,
            __vault: withMicrosoft(loadConfig({ ...env, ...overrides }), microsoft),
          }),
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
