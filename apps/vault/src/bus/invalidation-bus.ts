import { randomUUID } from 'node:crypto';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable, Logger } from '../common/nest-di';
import { CLOCK, type Clock } from '../common/clock';
import { REPLICA_ID } from '../common/replica';
import type { Database } from '../database/database';
import { DATABASE } from '../database/database.module';
import { UnitOfWork } from '../database/unit-of-work';
import {
  BUS_CHANNEL,
  decodeWire,
  encodeWire,
  INVALIDATION_TYPES,
  parseMessage,
  wirePrefix,
  type InvalidationMessage,
  type InvalidationOf,
  type InvalidationType,
} from './bus.messages';
import { BUS_OPTIONS, type BusOptions } from './bus.options';
import { BusRepository } from './bus.repository';
import { broadcastInProcess, joinInProcessHub } from './in-process-hub';
import { PgListener } from './pg-listener';

/** What the bus runs on and whether it hears other replicas now (for /readyz and metrics). */
export interface BusStatus {
  transport: 'postgres' | 'in-process';
  /** PostgreSQL: LISTEN is active on a live session. In-process: always. */
  listening: boolean;
  /** Epoch milliseconds of the last change of `listening` (or of the start). */
  since: number;
  /** PostgreSQL: backend pid of the listening session, while listening. */
  backendPid: number | null;
}

/** Counters since start, for /metrics. */
export interface BusCounters {
  published: Record<InvalidationType, number>;
  received: Record<InvalidationType, number>;
  /** Times every cache was dropped because messages may have been missed. */
  resets: number;
}

const zeroes = (): Record<InvalidationType, number> =>
  Object.fromEntries(INVALIDATION_TYPES.map((type) => [type, 0])) as Record<InvalidationType, number>;

/**
 * Tells every replica what changed, so caches of data keys, API keys and credentials drop stale
 * entries now instead of when their TTL ends.
 *
 * - PostgreSQL: `publish` runs `pg_notify('authpipe_invalidation', json)`, through the ambient
 *   transaction inside a unit of work (PostgreSQL delivers it when, and only if, it commits).
 *   Each process listens on one dedicated session ({@link PgListener}). Whenever listening starts
 *   or stops, every subscriber's reset runs (messages may have been missed), and while not
 *   listening the resets repeat every `unlistenedResetMs`.
 * - PGlite (one process by design): an in-process hub over the database object; delivery is
 *   synchronous, after the unit of work commits, to every vault over that database.
 *
 * Either way the publishing replica applies its own message once the change has committed, before
 * the unit of work's `run` (or `publish`, outside one) resolves: read-your-writes on the writer.
 * Handlers must be idempotent and synchronous (drop an entry, bump a generation); they never read
 * the message's new state from it: messages carry ids only.
 */
@Injectable()
export class InvalidationBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InvalidationBus.name);
  private readonly handlers = new Map<InvalidationType, Set<(message: InvalidationMessage) => void>>();
  private readonly resets = new Set<() => void>();
  /** This bus instance on the wire: its own echoes are skipped (they were applied at commit). */
  private readonly origin: string;
  /** How this instance's own payloads begin (see wirePrefix). */
  private readonly echo: string;
  private readonly listener: PgListener | null;
  private readonly leaveHub: (() => void) | null;
  private readonly counters: BusCounters = { published: zeroes(), received: zeroes(), resets: 0 };
  private unlistened: NodeJS.Timeout | undefined;
  private since: number;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly uow: UnitOfWork,
    private readonly repository: BusRepository,
    @Inject(REPLICA_ID) private readonly replicaId: string,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
  ) {
    // Not from the RANDOM seam: two buses that took the same origin from a deterministic test
    // Random would each drop the other's messages as their own echo. An identity, not a secret.
    this.origin = randomUUID();
    this.echo = wirePrefix(this.origin);
    this.since = clock();
    if (db.kind === 'pglite') {
      // Joined at construction, so a module that is never initialised (unit tests) still delivers.
      this.leaveHub = joinInProcessHub(db, (message) => this.dispatch(message));
      this.listener = null;
      return;
    }
    this.leaveHub = null;
    this.listener = new PgListener(
      () => {
        const client = db.dedicatedClient('authpipe-invalidation-bus');
        if (client === null) throw new Error('The database has no dedicated sessions');
        return client;
      },
      BUS_CHANNEL,
      {
        message: (payload) => this.receive(payload),
        status: (listening) => this.onListening(listening),
        lost: (error, retryInMs) =>
          this.logger.warn({ err: error, retryInMs }, 'Invalidation bus: no PostgreSQL session to listen on'),
      },
      options,
    );
  }

  /** Starts listening (PostgreSQL); the first attempt is awaited, so a healthy boot is listening. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.listener) return;
    // Not listening until LISTEN succeeds: caches are bounded from the start.
    this.stopHearing();
    await this.listener.start();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.unlistened);
    this.unlistened = undefined;
    this.leaveHub?.();
    await this.listener?.stop();
  }

  /**
   * Sends a message to every replica (this one included). Inside a unit of work it is delivered
   * only if and when the transaction commits; outside one, at once.
   *
   * @throws InvalidationBusError for a message outside the catalog, a field naming a secret, or
   *   one too large for NOTIFY (nothing is sent). Database errors propagate: inside a unit of
   *   work they roll the change back with its message.
   */
  async publish(input: InvalidationMessage): Promise<void> {
    const message = parseMessage(input);
    const wire = encodeWire({ origin: this.origin, replica: this.replicaId, message });
    if (this.listener) await this.repository.notify(BUS_CHANNEL, wire);
    this.counters.published[message.type]++;
    const deliver = this.listener ? () => this.dispatch(message) : () => broadcastInProcess(this.db, message);
    if (this.uow.active) this.uow.afterCommit(deliver);
    else deliver();
  }

  /**
   * {@link publish} for a writer that commits its change in one statement of its own: the NOTIFY
   * payload that statement sends with `pg_notify(BUS_CHANNEL, payload)` (null on PGlite, whose bus
   * is in-process), and `committed`, to call once that statement committed (never when it wrote
   * nothing), which applies the message in this process (and PGlite's hub). Inside a unit of work
   * `committed` waits for its commit.
   *
   * @throws InvalidationBusError as {@link publish}.
   */
  prepare(input: InvalidationMessage): { payload: string | null; committed: () => void } {
    const message = parseMessage(input);
    const payload = this.listener ? encodeWire({ origin: this.origin, replica: this.replicaId, message }) : null;
    const deliver = this.listener ? () => this.dispatch(message) : () => broadcastInProcess(this.db, message);
    return {
      payload,
      committed: () => {
        this.counters.published[message.type]++;
        if (this.uow.active) this.uow.afterCommit(deliver);
        else deliver();
      },
    };
  }

  /**
   * Calls `handler` for every message of `type`, from any replica. Returns the unsubscribe
   * function. The handler must be synchronous, idempotent and cheap.
   */
  subscribe<T extends InvalidationType>(type: T, handler: (message: InvalidationOf<T>) => void): () => void {
    let handlers = this.handlers.get(type);
    if (!handlers) this.handlers.set(type, (handlers = new Set()));
    // Sound: dispatch calls only the handlers registered for the message's own type.
    const untyped = handler as unknown as (message: InvalidationMessage) => void;
    handlers.add(untyped);
    return () => handlers.delete(untyped);
  }

  /**
   * Calls `handler` whenever messages may have been missed (listening started or stopped, an
   * unreadable message, and repeatedly while not listening): drop everything the bus feeds.
   */
  onReset(handler: () => void): () => void {
    this.resets.add(handler);
    return () => this.resets.delete(handler);
  }

  status(): BusStatus {
    return {
      transport: this.listener ? 'postgres' : 'in-process',
      listening: this.listener ? this.listener.listening : true,
      since: this.since,
      backendPid: this.listener?.backendPid ?? null,
    };
  }

  /** Counters since start (a copy). */
  stats(): BusCounters {
    return {
      published: { ...this.counters.published },
      received: { ...this.counters.received },
      resets: this.counters.resets,
    };
  }

  private receive(payload: string): void {
    // Its own echo (one per change this replica wrote, e.g. every refresh) is dropped before
    // decoding: parsing and validating it only to drop it showed in the refresh benchmark's profile.
    if (payload.startsWith(this.echo)) return;
    const received = decodeWire(payload);
    switch (received.kind) {
      case 'message':
        if (received.origin === this.origin) return;
        this.counters.received[received.message.type]++;
        this.logger.debug(`Invalidation ${received.message.type} from ${received.replica}`);
        this.dispatch(received.message);
        return;
      case 'unknown_type':
        // A newer replica's message, for a cache this build does not have.
        this.logger.debug(`Ignoring invalidation of unknown type ${received.type}`);
        return;
      case 'malformed':
        // Not logged: whoever sent it could have put anything in it.
        this.logger.warn('Unreadable invalidation message: dropping every cache it may concern');
        this.reset();
        return;
    }
  }

  private dispatch(message: InvalidationMessage): void {
    for (const handler of this.handlers.get(message.type) ?? []) {
      try {
        handler(message);
      } catch (error) {
        this.logger.error({ err: error }, `Invalidation handler of ${message.type} failed: dropping every cache`);
        this.reset();
      }
    }
  }

  private reset(): void {
    this.counters.resets++;
    for (const handler of this.resets) {
      try {
        handler();
      } catch (error) {
        this.logger.error({ err: error }, 'Invalidation reset handler failed');
      }
    }
  }

  private onListening(listening: boolean): void {
    this.since = this.clock();
    if (listening) {
      clearInterval(this.unlistened);
      this.unlistened = undefined;
      // LISTEN is active now: anything committed from here on arrives; anything before may not have.
      this.reset();
      this.logger.log(`Invalidation bus listening (${this.replicaId})`);
      return;
    }
    this.logger.warn(
      `Invalidation bus stopped listening: caches are dropped every ${this.options.unlistenedResetMs} ms`,
    );
    this.stopHearing();
  }

  /** Not listening: drop caches now and every `unlistenedResetMs` until listening again. */
  private stopHearing(): void {
    this.reset();
    clearInterval(this.unlistened);
    this.unlistened = setInterval(() => this.reset(), this.options.unlistenedResetMs);
    this.unlistened.unref();
  }
}
