import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { IDS, type IdGenerator } from '../common/id-generator';
import { EventStreamConsumer, type EventStreamHandler } from '../events/event-stream.consumer';
import type { StreamEvent } from '../events/event-stream.repository';
import { subjectOf } from '../events/event-subjects';
import { issueEffectOf } from './issue-rules';
import { IssuesRepository } from './issues.repository';

/**
 * Derives issues from the event stream (in the consumer's transaction, in commit order): one open
 * issue per problem of a credential or app, counted while it lasts, resolved when it is over.
 */
@Injectable()
export class IssuesProjector implements EventStreamHandler, OnModuleInit {
  readonly name = 'issues';

  constructor(
    private readonly issues: IssuesRepository,
    private readonly consumer: EventStreamConsumer,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  onModuleInit(): void {
    this.consumer.register(this);
  }

  async handle(events: readonly StreamEvent[]): Promise<void> {
    for (const event of events) await this.apply(event);
  }

  private async apply(event: StreamEvent): Promise<void> {
    const subject = subjectOf(event.type, event.payload);
    if (subject === null) return;
    const effect = issueEffectOf(event.type, event.payload);
    switch (effect.action) {
      case 'none':
        return;
      case 'resolve':
        await this.issues.resolve(
          event.projectId,
          subject.id,
          { kinds: effect.kinds },
          effect.resolution,
          event.id,
          event.createdAt,
        );
        return;
      case 'open':
        if (effect.supersedes !== undefined && effect.supersedes.length > 0) {
          await this.issues.resolve(
            event.projectId,
            subject.id,
            { kinds: effect.supersedes },
            'superseded',
            event.id,
            event.createdAt,
          );
        }
        await this.issues.sighted(
          event.projectId,
          {
            tenant: { id: event.tenantRowId, externalId: event.tenantExternalId },
            subject,
            kind: effect.kind,
            details: { ...event.payload, eventType: event.type },
            eventId: event.id,
            at: event.createdAt,
          },
          () => this.ids.next('iss'),
        );
        return;
    }
  }
}
