import { Inject, Injectable } from '@nestjs/common';
import { AddressPolicy } from '@authpipe/microsoft';
import { ApiError } from '../common/api-error';
import { CLOCK, type Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { IDS, type IdGenerator } from '../common/id-generator';
import { RANDOM, type Random } from '../common/random';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import { UnitOfWork } from '../database/unit-of-work';
import { SecretsService } from '../secrets/secrets.service';
import {
  toEndpointDto,
  type CreateEndpointInput,
  type RotateSecretInput,
  type UpdateEndpointInput,
  type WebhookEndpointDto,
} from './webhook.dto';
import { secretRef } from './webhook-keys';
import { WebhookEndpointsRepository, type WebhookEndpointRecord } from './webhook-endpoints.repository';
import { formatSecret, newSecretKey } from './webhook-signature';
import { checkWebhookUrl } from './webhook-url';

/** What creation and rotation answer: the endpoint and its new secret, shown this once. */
export type EndpointWithSecret = WebhookEndpointDto & { secret: string };

/**
 * A project's webhook endpoints. Signing secrets are 32 random bytes sealed under the project's
 * data key (a project secret: `tenantExternalId` null) before the unit of work that stores the endpoint;
 * the `whsec_` text is returned once, at creation or rotation, and never again.
 */
@Injectable()
export class WebhookEndpointsService {
  private readonly policy: AddressPolicy;

  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly secrets: SecretsService,
    private readonly uow: UnitOfWork,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
    @Inject(RANDOM) private readonly random: Random,
  ) {
    this.policy = new AddressPolicy(config.webhooks.allowPrivateNetworks);
  }

  async create(projectId: string, input: CreateEndpointInput): Promise<EndpointWithSecret> {
    const url = await checkWebhookUrl(input.url, this.policy);
    const id = this.ids.next('ep');
    const secretId = this.ids.next('whs');
    const key = newSecretKey(this.random);
    try {
      const scope = { projectId, tenantExternalId: null };
      const created = await this.secrets.retryingStaleKeys(scope, async () => {
        const sealed = await this.secrets.seal(scope, secretRef(secretId), key);
        return this.uow.run(async () => {
          const endpoint = await this.endpoints.create(
            projectId,
            { id, url, description: input.description ?? null, eventTypes: input.eventTypes },
            secretId,
            new Date(this.clock()),
          );
          await this.secrets.store(sealed);
          return endpoint;
        });
      });
      return { ...toEndpointDto(created), secret: formatSecret(key) };
    } finally {
      key.fill(0);
    }
  }

  async list(
    projectId: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ data: WebhookEndpointDto[]; nextCursor: string | null }> {
    const rows = await this.endpoints.list(projectId, {
      limit: page.limit + 1,
      afterId: page.cursor !== undefined ? decodeCursor(page.cursor) : undefined,
    });
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      data: items.map(toEndpointDto),
      nextCursor: rows.length > page.limit && last ? encodeCursor(last.id) : null,
    };
  }

  async get(projectId: string, id: string): Promise<WebhookEndpointDto> {
    return toEndpointDto(await this.find(projectId, id));
  }

  /** The endpoint, or `webhook_endpoint_not_found` (another project's id answers the same). */
  async find(projectId: string, id: string): Promise<WebhookEndpointRecord> {
    const endpoint = await this.endpoints.find(projectId, id);
    if (endpoint === null) {
      throw ApiError.notFound('webhook_endpoint_not_found', `No webhook endpoint ${id} in this project.`);
    }
    return endpoint;
  }

  async update(projectId: string, id: string, input: UpdateEndpointInput): Promise<WebhookEndpointDto> {
    const url = input.url !== undefined ? await checkWebhookUrl(input.url, this.policy) : undefined;
    const changed = await this.endpoints.update(
      projectId,
      id,
      { ...input, ...(url !== undefined ? { url } : {}) },
      new Date(this.clock()),
    );
    if (!changed) throw ApiError.notFound('webhook_endpoint_not_found', `No webhook endpoint ${id} in this project.`);
    return this.get(projectId, id);
  }

  /** Deletes the endpoint, its deliveries and its secrets (key material included) in one unit of work. */
  async delete(projectId: string, id: string): Promise<void> {
    const endpoint = await this.find(projectId, id);
    await this.uow.run(async () => {
      for (const secret of endpoint.secrets)
        await this.secrets.delete({ projectId, tenantExternalId: null }, secretRef(secret.id));
      if (!(await this.endpoints.delete(projectId, id))) {
        throw ApiError.notFound('webhook_endpoint_not_found', `No webhook endpoint ${id} in this project.`);
      }
    });
  }

  /**
   * A new signing secret; the current ones keep signing for the overlap, so receivers can switch
   * without losing a message (every delivery meanwhile carries one signature per secret).
   * Secrets whose overlap has ended are deleted.
   */
  async rotateSecret(projectId: string, id: string, input: RotateSecretInput): Promise<EndpointWithSecret> {
    await this.find(projectId, id);
    const now = this.clock();
    const overlapMs =
      input.overlapSeconds !== undefined ? input.overlapSeconds * 1000 : this.config.webhooks.secretOverlapMs;
    const secretId = this.ids.next('whs');
    const key = newSecretKey(this.random);
    const scope = { projectId, tenantExternalId: null };
    try {
      await this.secrets.retryingStaleKeys(scope, async () => {
        const sealed = await this.secrets.seal(scope, secretRef(secretId), key);
        await this.uow.run(async () => {
          const expired = await this.endpoints.deleteExpiredSecrets(projectId, id, new Date(now));
          for (const old of expired) await this.secrets.delete(scope, secretRef(old));
          await this.endpoints.rotate(projectId, id, secretId, new Date(now), new Date(now + overlapMs));
          await this.secrets.store(sealed);
        });
      });
      return { ...(await this.get(projectId, id)), secret: formatSecret(key) };
    } finally {
      key.fill(0);
    }
  }
}
