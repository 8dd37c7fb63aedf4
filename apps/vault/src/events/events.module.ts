import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { EventStreamConsumer } from './event-stream.consumer';
import { EventStreamRepository } from './event-stream.repository';
import { EventsController } from './events.controller';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';
import { RefreshedRollupJob } from './refreshed-rollup.job';
import { RefreshedRollupRepository } from './refreshed-rollup.repository';

/**
 * The append-only event log (EventsService.append), GET /v1/events, and the event stream consumer
 * that issues and webhooks register with.
 */
@Module({
  imports: [ApiKeysModule],
  controllers: [EventsController],
  providers: [
    EventsRepository,
    EventsService,
    EventStreamRepository,
    EventStreamConsumer,
    RefreshedRollupRepository,
    RefreshedRollupJob,
  ],
  exports: [EventsService, EventStreamConsumer, EventStreamRepository],
})
export class EventsModule {}
