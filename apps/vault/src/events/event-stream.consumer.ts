import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import { UnitOfWork } from '../database/unit-of-work';
import { EventStreamRepository, type StreamEvent } from './event-stream.repository';

/** The cursor of the one consumer of the event stream. */
export const EVENT_STREAM_CURSOR = 'event-stream';

/** Events handled per transaction. */
export const EVENT_STREAM_BATCH = 200;

/**
 * Something derived from the event stream (issues, the webhook outbox). `handle` runs inside the
 * consumer's transaction, before the cursor moves past the batch: everything it writes through
 * the unit of work commits with the cursor advance, or neither does (so nothing is derived twice
 * or skipped). It must not call out of the process.
 */
export interface EventStreamHandler {
  readonly name: string;
  handle(events: readonly StreamEvent[]): Promise<void>;
}

/**
 * Reads the events of every project in commit order from a stored cursor and hands each batch to
 * the registered handlers, in the transaction that moves the cursor. Every replica ticks; the
 * cursor's row lock (`FOR UPDATE SKIP LOCKED`) lets one at a time through, so writers of events
 * need not know what is derived from them.
 */
@Injectable()
export class EventStreamConsumer {
  private readonly logger = new Logger(EventStreamConsumer.name);
  private readonly handlers: EventStreamHandler[] = [];

  constructor(
    private readonly stream: EventStreamRepository,
    private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Adds a handler (modules register theirs at init). */
  register(handler: EventStreamHandler): void {
    if (!this.handlers.some((h) => h.name === handler.name)) this.handlers.push(handler);
  }

  @Cron(CronExpression.EVERY_SECOND, { name: 'event-stream', waitForCompletion: true })
  async tick(): Promise<void> {
    try {
      await this.drain();
    } catch (error) {
      this.logger.error({ err: error }, 'Consuming the event stream failed; the next tick retries the batch');
    }
  }

  /**
   * Processes batches until the stream is drained or another replica holds the cursor; returns
   * how many events this call processed.
   */
  async drain(maxBatches = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const processed = await this.runBatch();
      if (processed === null || processed === 0) break;
      total += processed;
    }
    return total;
  }

  /** One batch in one transaction: the events handled, or null when another replica holds the cursor. */
  async runBatch(limit = EVENT_STREAM_BATCH): Promise<number | null> {
    return this.uow.run(async () => {
      const cursor = await this.stream.lockCursor(EVENT_STREAM_CURSOR);
      if (cursor === null) return null;
      const events = await this.stream.readAfter(cursor, limit);
      const last = events.at(-1);
      if (last === undefined) return 0;
      for (const handler of this.handlers) await handler.handle(events);
      await this.stream.moveCursor(EVENT_STREAM_CURSOR, last.position, new Date(this.clock()));
      return events.length;
    });
  }
}
