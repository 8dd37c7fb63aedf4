import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { openVault, type OpenedVault } from '../vault-boot';
import { CommonModule } from '../common/common.module';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { KeysModule } from '../keys/keys.module';
import { SecretsModule } from '../secrets/secrets.module';
import { ProjectsModule } from '../projects/projects.module';

// Loaded only by the key job commands (and tests): the project and key commands use the few
// services they need, built by hand (cli-services.ts), without Nest's core.

/** The services the CLI drives, without HTTP: the same modules, boot checks and database as the server. */
@Module({})
class CliModule {
  static forRoot(vault: OpenedVault, owned: boolean): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(vault.config),
        CommonModule.forRoot(),
        DatabaseModule.forRoot(vault.database, { owned }),
        KeysModule.forRoot(vault.keyProvider),
        SecretsModule,
        ProjectsModule,
        ApiKeysModule,
      ],
    };
  }
}

/** An open vault for one CLI command; `close()` releases the database (and the embedded lock). */
export interface CliContext {
  app: INestApplicationContext;
  createdKeyFile: string | null;
  close(): Promise<void>;
}

/**
 * Opens the vault the way the server does (config, master keys, database, key check,
 * migrations). With the embedded database this fails with a clear message while a server
 * holds it, since PGlite serves one process per data directory.
 */
export async function openCliContext(env: Record<string, string | undefined>): Promise<CliContext> {
  const vault = await openVault({ env });
  let app: INestApplicationContext;
  try {
    app = await createCliApplication(vault, vault.ownsDatabase);
  } catch (error) {
    await vault.database.close().catch(() => undefined);
    throw error;
  }
  return { app, createdKeyFile: vault.createdKeyFile, close: () => app.close() };
}

/**
 * The application context over an already opened vault; `owned`: its `close()` closes the
 * database too.
 */
export function createCliApplication(vault: OpenedVault, owned: boolean): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(CliModule.forRoot(vault, owned), { logger: false, abortOnError: false });
}
