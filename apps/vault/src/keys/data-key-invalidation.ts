import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Envelope, type KeyOwner } from '@authpipe/crypto';
import type { InvalidationOf } from '../bus/bus.messages';
import { InvalidationBus } from '../bus/invalidation-bus';

/** The message the key jobs publish when an owner's data key changed (rotation, shred). */
export function dataKeyChanged(owner: KeyOwner): InvalidationOf<'data_key.changed'> {
  return { type: 'data_key.changed', projectId: owner.projectId, tenantRowId: owner.tenantId };
}

/**
 * Keeps this replica's DEK cache in step with the others: a `data_key.changed` from any replica
 * drops the owner's cached keys and reserved uses (`Envelope.forget`), so the next encrypt reads
 * the active version and the next decrypt of a shredded owner finds no key; a bus reset drops all.
 * Subscribed at construction, so it works in modules that are never initialised (unit tests).
 */
@Injectable()
export class DataKeyInvalidation implements OnModuleDestroy {
  private readonly unsubscribe: (() => void)[];

  constructor(envelope: Envelope, bus: InvalidationBus) {
    this.unsubscribe = [
      bus.subscribe('data_key.changed', (m) => envelope.forget({ projectId: m.projectId, tenantId: m.tenantRowId })),
      bus.onReset(() => envelope.clear()),
    ];
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
  }
}
