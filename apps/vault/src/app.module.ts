import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import type { KeyProvider } from '@authpipe/crypto';
import type { DestinationStream } from 'pino';
import { AdminModule } from './admin/admin.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AppsModule } from './apps/apps.module';
import { CommonModule, type Seams } from './common/common.module';
import { ConnectModule } from './connect/connect.module';
import { GetCredentialModule } from './get-credential/get-credential.module';
import { IssuesModule } from './issues/issues.module';
import { RetentionModule } from './retention/retention.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { ConnectionsModule } from './connections/connections.module';
import { ErrorFilter } from './common/error.filter';
import type { VaultConfig } from './config/config.schema';
import type { Database } from './database/database';
import { DatabaseModule } from './database/database.module';
import type { Migration } from './database/migrator';
import { EventsModule } from './events/events.module';
import { ReadinessModule } from './readiness/readiness.module';
import { ConfigModule } from './config/config.module';
import { InstallationsModule } from './installations/installations.module';
import { KeysModule } from './keys/keys.module';
import { SecretsModule } from './secrets/secrets.module';
import { createLoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { MicrosoftModule } from './microsoft/microsoft.module';
import { ProjectsModule } from './projects/projects.module';
import { ProvidersModule } from './providers/providers.module';
import { ProxyModule } from './proxy/proxy.module';
import { RefreshModule } from './refresh/refresh.module';
import { TenantsModule } from './tenants/tenants.module';

/** What bootstrap hands the application once config, keys and database have been checked. */
export interface AppModuleOptions {
  config: VaultConfig;
  database: Database;
  /** Close the database when the application shuts down (false when a test owns it). */
  ownsDatabase: boolean;
  keyProvider: KeyProvider;
  migrations: Migration[];
  logDestination?: DestinationStream;
  /** Clock, randomness and replica id (tests pass their own); see CommonModule. */
  seams?: Seams;
  /** Mount the admin API for the CLI (embedded database only; see admin/admin-endpoint.ts). */
  admin?: { token: string; dataDir: string };
}

/** The vault's root module; build it through `createVaultApp` (bootstrap.ts). */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        createLoggingModule({
          level: options.config.logLevel,
          format: options.config.logFormat,
          destination: options.logDestination,
        }),
        CommonModule.forRoot(options.seams),
        // Periodic jobs (expired-flow purge, key jobs to come) run in every replica; see each job.
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(options.database, { owned: options.ownsDatabase, migrations: options.migrations }),
        KeysModule.forRoot(options.keyProvider),
        SecretsModule,
        MetricsModule,
        ReadinessModule,
        ProjectsModule,
        ApiKeysModule,
        TenantsModule,
        MicrosoftModule,
        ProvidersModule,
        EventsModule,
        AppsModule,
        InstallationsModule,
        ConnectionsModule,
        ConnectModule,
        RefreshModule,
        GetCredentialModule,
        ProxyModule,
        IssuesModule,
        WebhooksModule,
        RetentionModule,
        ...(options.admin ? [AdminModule.forRoot(options.admin)] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
