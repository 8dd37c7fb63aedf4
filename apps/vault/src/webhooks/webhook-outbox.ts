import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { IDS, type IdGenerator } from '../common/id-generator';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import { UnitOfWork } from '../database/unit-of-work';
import { EventStreamConsumer, type EventStreamHandler } from '../events/event-stream.consumer';
import type { StreamEvent } from '../events/event-stream.repository';
import { subjectOf } from '../events/event-subjects';
import { WebhookDeliveriesRepository, type NewDelivery } from './webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { filterTakes, webhookBody } from './webhook-payload';

/**
 * The transactional outbox: for each event of the stream, one delivery row per enabled endpoint
 * of its project whose filter takes it and that existed when the event was written, written in the consumer's transaction (so with its cursor
 * advance: never twice, never skipped). Events about a credential or app are numbered per subject.
 */
@Injectable()
export class WebhookOutbox implements EventStreamHandler, OnModuleInit {
  readonly name = 'webhooks';

  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly consumer: EventStreamConsumer,
    private readonly uow: UnitOfWork,
    @Inject(IDS) private readonly ids: IdGenerator,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
  ) {}

  onModuleInit(): void {
    this.consumer.register(this);
  }

  async handle(events: readonly StreamEvent[]): Promise<void> {
    const projects = [...new Set(events.map((e) => e.projectId))];
    const endpoints = await this.endpoints.listEnabled(projects);
    if (endpoints.length === 0) return;
    const byProject = new Map<string, typeof endpoints>();
    for (const endpoint of endpoints)
      byProject.set(endpoint.projectId, [...(byProject.get(endpoint.projectId) ?? []), endpoint]);
    const rows: NewDelivery[] = [];
    for (const event of events) {
      // An endpoint gets the events of transactions after the one that added it, however far
      // behind the consumer is.
      const targets = (byProject.get(event.projectId) ?? []).filter(
        (e) => event.position.txId > e.createdTxId && filterTakes(e.eventTypes, event.type),
      );
      if (targets.length === 0) continue;
      const subject = subjectOf(event.type, event.payload);
      const sequence = subject === null ? null : await this.nextSequence(event.projectId, subject.id);
      const body = webhookBody(event, sequence);
      for (const endpoint of targets) {
        rows.push({
          id: this.ids.next('msg'),
          projectId: event.projectId,
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          tenantExternalId: event.tenantExternalId,
          orderingKey: subject?.id ?? '',
          body,
          createdAt: event.createdAt,
          giveUpAt: new Date(event.createdAt.getTime() + this.config.webhooks.retryWindowMs),
        });
      }
    }
    await this.deliveries.insertMany(rows);
  }

  /** The subject's next sequence number (the consumer is the only writer: one batch at a time). */
  private async nextSequence(projectId: string, subjectId: string): Promise<number> {
    const rows = await this.uow.db.$queryRaw<{ last_sequence: bigint }[]>`
      INSERT INTO event_subject_sequences (project_id, subject_id, last_sequence)
      VALUES (${projectId}, ${subjectId}, 1)
      ON CONFLICT (project_id, subject_id)
      DO UPDATE SET last_sequence = event_subject_sequences.last_sequence + 1
      RETURNING last_sequence`;
    return Number(rows[0].last_sequence);
  }
}
