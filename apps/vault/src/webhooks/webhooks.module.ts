import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { EventsModule } from '../events/events.module';
import { MetricsModule } from '../metrics/metrics.module';
import { SecretsModule } from '../secrets/secrets.module';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookKeys } from './webhook-keys';
import { WebhookOutbox } from './webhook-outbox';
import { WebhookMetrics } from './webhook.metrics';

/** Standard Webhooks: endpoints, the outbox fed by the event stream, the dispatcher, the delivery log. */
@Module({
  imports: [ApiKeysModule, EventsModule, MetricsModule, SecretsModule],
  controllers: [WebhookEndpointsController],
  providers: [
    WebhookEndpointsRepository,
    WebhookDeliveriesRepository,
    WebhookEndpointsService,
    WebhookDeliveriesService,
    WebhookKeys,
    WebhookOutbox,
    WebhookDispatcher,
    WebhookMetrics,
  ],
  exports: [WebhookDeliveriesRepository],
})
export class WebhooksModule {}
