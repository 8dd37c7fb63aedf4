import 'reflect-metadata';
import { Logger } from '../common/nest-di';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { DEFAULT_BUS_OPTIONS } from '../bus/bus.options';
import { BusRepository } from '../bus/bus.repository';
import { InvalidationBus } from '../bus/invalidation-bus';
import { systemClock } from '../common/clock';
import { IdGenerator } from '../common/id-generator';
import { cryptoRandom } from '../common/random';
import { newReplicaId } from '../common/replica';
import { UnitOfWork } from '../database/unit-of-work';
import { ProjectsRepository } from '../projects/projects.repository';
import { ProjectsService } from '../projects/projects.service';
import type { OpenedVault } from '../vault-boot';

/** The services of the project and key commands, over an opened vault, built by hand. */
export interface CliServices {
  projects: ProjectsService;
  apiKeys: ApiKeysService;
  /** Ends what the services started (the bus's hub membership); the database stays open. */
  close(): Promise<void>;
}

/**
 * Builds the few services `project ...` and `key ...` need, by hand, as the server's modules wire
 * them (CommonModule's defaults, DatabaseModule's UnitOfWork, BusModule, ProjectsModule,
 * ApiKeysModule): same classes, same constructor arguments, so the same validation, errors and
 * rows. Why not Nest: loading @nestjs/core and building an application context (scanning every
 * module, instantiating every provider, running lifecycle hooks) was the largest part of a
 * command's time, for seven objects. A constructor change is a type error here, not a silent drift.
 *
 * One difference from an application context, on purpose: the bus is not started (no LISTEN
 * session on PostgreSQL). A command publishes its changes (pg_notify in its transaction, or the
 * in-process hub on PGlite) like any replica, but hears nobody: it has no cache worth keeping
 * fresh and ends at once. Key jobs, with many more services, still run in an application
 * context (cli-context.ts), loaded only by those commands.
 */
export function wireCliServices(vault: OpenedVault): CliServices {
  // Like the context's `logger: false`: nothing of Nest's logging on the CLI's output.
  Logger.overrideLogger(false);
  const clock = systemClock;
  const random = cryptoRandom;
  const ids = new IdGenerator(clock, random);
  const prisma = vault.database.prisma;
  const uow = new UnitOfWork(prisma);
  const bus = new InvalidationBus(
    vault.database,
    uow,
    new BusRepository(uow),
    newReplicaId(random),
    clock,
    DEFAULT_BUS_OPTIONS,
  );
  const projects = new ProjectsService(new ProjectsRepository(prisma), ids);
  const apiKeys = new ApiKeysService(new ApiKeysRepository(prisma, uow), projects, uow, bus, clock, random, ids);
  return {
    projects,
    apiKeys,
    close: async () => {
      apiKeys.onModuleDestroy();
      await bus.onModuleDestroy();
    },
  };
}
