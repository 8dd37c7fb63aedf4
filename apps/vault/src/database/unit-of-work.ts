import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '../common/nest-di';
import { Prisma, PrismaClient } from '@authpipe/prisma';

/** What a repository queries through: the ambient transaction's client, or the pool's. */
export type Db = PrismaClient | Prisma.TransactionClient;

// An interactive transaction holds its connection while the work inside awaits; PGlite has one
// connection, so a waiting writer queues behind it. Generous bounds: a credential change is a
// handful of statements, and these only stop a runaway.
const MAX_WAIT_MS = 30_000;
const TIMEOUT_MS = 30_000;

/** The open transaction of one outermost `run`, and what must happen once it has committed. */
interface Ambient {
  readonly tx: Prisma.TransactionClient;
  readonly afterCommit: (() => void)[];
}

/**
 * One change, one transaction: `run` opens a Prisma interactive transaction and makes it ambient
 * (AsyncLocalStorage), so every repository called inside writes through it and the change commits
 * whole or not at all. Nested `run` calls join the outer transaction. Work that must not hold a
 * transaction open (encryption, calls to Microsoft) happens before `run`.
 *
 * Written here rather than taken from @nestjs-cls/transactional: its releases on the registry pin
 * incompatible majors of nestjs-cls (3.x wants 6, its Prisma adapter wants 4 of itself), and the
 * vault needs only this: a transaction client visible to repositories, and after-commit callbacks.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);
  private readonly ambient = new AsyncLocalStorage<Ambient>();

  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Runs `work` in one transaction (or in the one already open). Callbacks registered with
   * {@link afterCommit} run once the outermost transaction has committed, before this resolves.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.ambient.getStore() !== undefined) return work();
    const afterCommit: (() => void)[] = [];
    const result = await this.prisma.$transaction((tx) => this.ambient.run({ tx, afterCommit }, work), {
      maxWait: MAX_WAIT_MS,
      timeout: TIMEOUT_MS,
    });
    for (const callback of afterCommit) {
      // The change is committed: a failing callback must not make the caller believe it was not.
      try {
        callback();
      } catch (error) {
        this.logger.error({ err: error }, 'An after-commit callback failed');
      }
    }
    return result;
  }

  /**
   * Registers `callback` to run (synchronously) once the ambient transaction commits; it never
   * runs when the transaction rolls back. For in-memory effects of a change (dropping cached
   * copies) that must not be seen before, or without, the change itself.
   *
   * @throws Error outside a unit of work (see {@link active}).
   */
  afterCommit(callback: () => void): void {
    const ambient = this.ambient.getStore();
    if (ambient === undefined) throw new Error('UnitOfWork.afterCommit called outside a unit of work');
    ambient.afterCommit.push(callback);
  }

  /** The client to query with: the ambient transaction's inside `run`, else the pool's. */
  get db(): Db {
    return this.ambient.getStore()?.tx ?? this.prisma;
  }

  /** Whether a transaction is open around the caller. */
  get active(): boolean {
    return this.ambient.getStore() !== undefined;
  }
}
