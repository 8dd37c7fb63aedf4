import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { RetentionJob } from './retention.job';
import { RetentionRepository } from './retention.repository';

/** The retention purge of events, deliveries, credential history and resolved issues. */
@Module({
  imports: [EventsModule],
  providers: [RetentionRepository, RetentionJob],
})
export class RetentionModule {}
