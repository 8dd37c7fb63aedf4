import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';

export interface WebhookSecretRecord {
  id: string;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface WebhookEndpointRecord {
  id: string;
  projectId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  secrets: WebhookSecretRecord[];
}

export interface EndpointChanges {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  disabled?: boolean;
}

const SELECT = {
  id: true,
  projectId: true,
  url: true,
  description: true,
  eventTypes: true,
  disabled: true,
  createdAt: true,
  updatedAt: true,
  secrets: { select: { id: true, createdAt: true, expiresAt: true }, orderBy: { createdAt: 'asc' } },
} as const;

/** A project's webhook endpoints and their secrets' metadata (key material lives in `secrets`). */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async create(
    projectId: string,
    endpoint: { id: string; url: string; description: string | null; eventTypes: string[] },
    secretId: string,
    at: Date,
  ): Promise<WebhookEndpointRecord> {
    return this.uow.db.webhookEndpoint.create({
      data: {
        ...endpoint,
        projectId,
        createdAt: at,
        updatedAt: at,
        secrets: { create: { id: secretId, projectId, createdAt: at } },
      },
      select: SELECT,
    });
  }

  find(projectId: string, id: string): Promise<WebhookEndpointRecord | null> {
    return this.uow.db.webhookEndpoint.findFirst({ where: { projectId, id }, select: SELECT });
  }

  list(projectId: string, page: { limit: number; afterId?: string }): Promise<WebhookEndpointRecord[]> {
    return this.uow.db.webhookEndpoint.findMany({
      where: { projectId, ...(page.afterId !== undefined ? { id: { gt: page.afterId } } : {}) },
      orderBy: { id: 'asc' },
      take: page.limit,
      select: SELECT,
    });
  }

  /** The enabled endpoints of these projects (the outbox's fan-out for a batch of events). */
  listEnabled(
    projectIds: readonly string[],
  ): Promise<{ id: string; projectId: string; eventTypes: string[]; createdTxId: bigint }[]> {
    return this.uow.db.webhookEndpoint.findMany({
      where: { projectId: { in: [...projectIds] }, disabled: false },
      select: { id: true, projectId: true, eventTypes: true, createdTxId: true },
      orderBy: { id: 'asc' },
    });
  }

  async update(projectId: string, id: string, changes: EndpointChanges, at: Date): Promise<boolean> {
    const result = await this.uow.db.webhookEndpoint.updateMany({
      where: { projectId, id },
      data: { ...changes, updatedAt: at },
    });
    return result.count > 0;
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    return (await this.uow.db.webhookEndpoint.deleteMany({ where: { projectId, id } })).count > 0;
  }

  /** Ends every secret still signing without an end date at `expiresAt`, then adds the new one. */
  async rotate(projectId: string, endpointId: string, newSecretId: string, at: Date, expiresAt: Date): Promise<void> {
    await this.uow.db.webhookSecret.updateMany({
      where: { projectId, endpointId, OR: [{ expiresAt: null }, { expiresAt: { gt: expiresAt } }] },
      data: { expiresAt },
    });
    await this.uow.db.webhookSecret.create({ data: { id: newSecretId, projectId, endpointId, createdAt: at } });
  }

  /** Deletes the endpoint's secrets that stopped signing before `before`; returns their ids. */
  async deleteExpiredSecrets(projectId: string, endpointId: string, before: Date): Promise<string[]> {
    const expired = await this.uow.db.webhookSecret.findMany({
      where: { projectId, endpointId, expiresAt: { lte: before } },
      select: { id: true },
    });
    if (expired.length === 0) return [];
    const ids = expired.map((s) => s.id);
    await this.uow.db.webhookSecret.deleteMany({ where: { projectId, endpointId, id: { in: ids } } });
    return ids;
  }

  /** Ids of the endpoint's secrets that sign at `at`. */
  async signingSecretIds(projectId: string, endpointId: string, at: Date): Promise<string[]> {
    const rows = await this.uow.db.webhookSecret.findMany({
      where: { projectId, endpointId, OR: [{ expiresAt: null }, { expiresAt: { gt: at } }] },
      select: { id: true },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map((r) => r.id);
  }
}
