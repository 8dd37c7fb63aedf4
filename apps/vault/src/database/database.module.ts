import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { Global, Inject, Module } from '../common/nest-di';
import { PrismaClient } from '@authpipe/prisma';
import type { Database } from './database';
import type { Migration } from './migrator';
import { UnitOfWork } from './unit-of-work';

/** Injection token of the opened {@link Database}. Repositories inject `PrismaClient` instead. */
export const DATABASE = Symbol('DATABASE');

/** Injection token of the migrations this build ships (read at boot), for the readiness check. */
export const MIGRATIONS = Symbol('MIGRATIONS');

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly owned: boolean,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.db.close();
  }
}

/**
 * Provides an already opened and migrated database to the application. Opening, checking
 * the master keys against it, and migrating happen before Nest starts (see bootstrap), so a
 * boot that must fail does so before any module touches data.
 */
@Global()
@Module({})
export class DatabaseModule {
  /**
   * `owned`: close the database when the application shuts down; `migrations`: what this build
   * ships (the readiness check compares them with the applied ones).
   */
  static forRoot(db: Database, options: { owned: boolean; migrations?: Migration[] } = { owned: true }): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE, useValue: db },
        { provide: PrismaClient, useValue: db.prisma },
        { provide: MIGRATIONS, useValue: options.migrations ?? [] },
        { provide: DatabaseLifecycle, useFactory: () => new DatabaseLifecycle(db, options.owned) },
        UnitOfWork,
      ],
      exports: [DATABASE, PrismaClient, MIGRATIONS, UnitOfWork],
    };
  }
}
