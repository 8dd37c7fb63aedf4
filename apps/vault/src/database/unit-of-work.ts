import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { Prisma, PrismaClient } from '@authpipe/prisma';

/** What a repository queries through: the ambient transaction's client, or the pool's. */
export type Db = PrismaClient | Prisma.TransactionClient;

// An interactive transaction holds its connection while the work inside awaits; PGlite has one
// connection, so a waiting writer queues behind it. Generous bounds: a credential change is a
// handful of statements, and these only stop a runaway.
const MAX_WAIT_MS = 30_000;
const TIMEOUT_MS = 30_000;

/**
 * One change, one transaction: `run` opens a Prisma interactive transaction and makes it ambient
 * (AsyncLocalStorage), so every repository called inside writes through it and the change commits
 * whole or not at all. Nested `run` calls join the outer transaction. Work that must not hold a
 * transaction open (encryption, calls to Microsoft) happens before `run`.
 *
 * Written here rather than taken from @nestjs-cls/transactional: its releases on the registry pin
 * incompatible majors of nestjs-cls (3.x wants 6, its Prisma adapter wants 4 of itself), and the
 * vault needs only this: a transaction client visible to repositories.
 */
@Injectable()
export class UnitOfWork {
  private readonly ambient = new AsyncLocalStorage<Prisma.TransactionClient>();

  constructor(private readonly prisma: PrismaClient) {}

  /** Runs `work` in one transaction (or in the one already open). */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.ambient.getStore() !== undefined) return work();
    return this.prisma.$transaction((tx) => this.ambient.run(tx, work), {
      maxWait: MAX_WAIT_MS,
      timeout: TIMEOUT_MS,
    });
  }

  /** The client to query with: the ambient transaction's inside `run`, else the pool's. */
  get db(): Db {
    return this.ambient.getStore() ?? this.prisma;
  }

  /** Whether a transaction is open around the caller. */
  get active(): boolean {
    return this.ambient.getStore() !== undefined;
  }
}
