import { randomBytes } from 'node:crypto';
import type { Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { AppsModule } from '../../apps/vault/src/apps/apps.module';
import { CommonModule } from '../../apps/vault/src/common/common.module';
import { ConfigModule } from '../../apps/vault/src/config/config.module';
import { loadConfig, withMicrosoft, type MicrosoftConfig } from '../../apps/vault/src/config/config.schema';
import { ConnectModule } from '../../apps/vault/src/connect/connect.module';
import { ConnectionsModule } from '../../apps/vault/src/connections/connections.module';
import type { Database } from '../../apps/vault/src/database/database';
import { DatabaseModule } from '../../apps/vault/src/database/database.module';
import { EventsModule } from '../../apps/vault/src/events/events.module';
import { InstallationsModule } from '../../apps/vault/src/installations/installations.module';
import { KeysModule } from '../../apps/vault/src/keys/keys.module';
import { SecretsModule } from '../../apps/vault/src/secrets/secrets.module';
import { ProvidersModule } from '../../apps/vault/src/providers/providers.module';
import { LocalKeyProvider, MasterKeyring } from '@authpipe/crypto';
import { TestClock } from '../support/test-clock';
import type { RunningEmulator } from '../../apps/microsoft-emulator/src/emulator';
import { emulatorAsCustomCloud } from '../../apps/vault/src/sandbox/sandbox';

/** Every Nest module of the flows foundation (what AppModule must import). */
export const FLOW_MODULES = [
  ProvidersModule,
  EventsModule,
  AppsModule,
  ConnectModule,
  InstallationsModule,
  ConnectionsModule,
];

export { TestClock };

/**
 * Microsoft settings that trust an emulator's CA and accept it as a custom cloud (its origin
 * allowed, its loopback address allowed), as the sandbox does: the same code path as production.
 */
export function emulatorMicrosoft(emulator: Pick<RunningEmulator, 'baseUrl' | 'caCertPem'>): Partial<MicrosoftConfig> {
  return { caCertificates: [emulator.caCertPem], ...emulatorAsCustomCloud(emulator), timeoutMs: 10_000 };
}

export interface FlowsHarness {
  module: TestingModule;
  clock: TestClock;
  close(): Promise<void>;
}

/**
 * The flow services over a real test database and the real key management, without HTTP:
 * for db specs of services and repositories. `microsoft` adds run-time Microsoft settings
 * (an emulator's CA); without it, Node's roots and the configured routes apply.
 */
export async function createFlowsHarness(
  db: Database,
  options: {
    microsoft?: Partial<MicrosoftConfig>;
    env?: Record<string, string>;
    /** Feature modules beyond the foundation (e.g. OAuthModule). */
    modules?: Type[];
  } = {},
): Promise<FlowsHarness> {
  const clock = new TestClock();
  const provider = new LocalKeyProvider(MasterKeyring.parse(`1:${randomBytes(32).toString('base64')}`));
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(
        withMicrosoft(
          loadConfig({ NODE_ENV: 'test', AUTHPIPE_PUBLIC_URL: 'https://vault.example.test', ...options.env }),
          options.microsoft,
        ),
      ),
      CommonModule.forRoot({ clock: clock.read }),
      DatabaseModule.forRoot(db, { owned: false }),
      KeysModule.forRoot(provider),
      SecretsModule,
      ...FLOW_MODULES,
      ...(options.modules ?? []),
    ],
  }).compile();
  await module.init();
  return { module, clock, close: () => module.close() };
}

/** Inserts a project row directly (the projects feature owns creating them for real). */
export async function insertProject(db: Database, id: string): Promise<void> {
  await db.prisma.project.create({ data: { id, name: `Project ${id}` } });
}
