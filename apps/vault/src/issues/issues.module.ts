import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { EventsModule } from '../events/events.module';
import { MetricsModule } from '../metrics/metrics.module';
import { IssuesController } from './issues.controller';
import { IssuesMetrics } from './issues.metrics';
import { IssuesProjector } from './issues.projector';
import { IssuesRepository } from './issues.repository';
import { IssuesService } from './issues.service';

/** Deduplicated issues derived from the event stream, GET /v1/issues and their metric. */
@Module({
  imports: [ApiKeysModule, EventsModule, MetricsModule],
  controllers: [IssuesController],
  providers: [IssuesRepository, IssuesProjector, IssuesService, IssuesMetrics],
  exports: [IssuesRepository],
})
export class IssuesModule {}
