import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { SecretsService, type SecretRef } from '../secrets/secrets.service';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

/** Where a signing secret's key bytes are stored: the project's secret, sealed under its data key. */
export const secretRef = (secretId: string): SecretRef => ({
  recordType: 'webhook_secret',
  recordId: secretId,
  field: 'key',
});

/** The key bytes of an endpoint's signing secrets, decrypted for one attempt and never logged. */
@Injectable()
export class WebhookKeys {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly secrets: SecretsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The keys that sign now, newest first. */
  async signingKeys(projectId: string, endpointId: string): Promise<Buffer[]> {
    const ids = await this.endpoints.signingSecretIds(projectId, endpointId, new Date(this.clock()));
    const keys: Buffer[] = [];
    for (const id of ids) {
      const key = await this.secrets.get({ projectId, tenantExternalId: null }, secretRef(id));
      if (key !== null) keys.push(key);
    }
    return keys;
  }
}
