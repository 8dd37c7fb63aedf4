import { Inject, Injectable } from '@nestjs/common';
import { IDS, type IdGenerator } from '../common/id-generator';
import type { Prisma } from '@authpipe/prisma';
import { UnitOfWork } from '../database/unit-of-work';

/** What happened to an installation or connection. */
export type CredentialHistoryAction = 'created' | 'reauthorized' | 'revoked' | 'deleted';

/** One history entry: which credential, what happened, and its non-secret state before. */
export interface CredentialHistoryEntry {
  installationId?: string;
  connectionId?: string;
  action: CredentialHistoryAction;
  sessionId?: string | null;
  /** Account, directory, scopes, status before the change; never tokens. */
  previous?: Record<string, string | number | boolean | null | string[]> | null;
}

export interface CredentialHistoryRecord {
  id: string;
  installationId: string | null;
  connectionId: string | null;
  action: string;
  sessionId: string | null;
  previous: Prisma.JsonValue;
  createdAt: Date;
}

/**
 * `credential_history`: append-only, kept after the credential is deleted. Project and tenant first;
 * written through the ambient unit of work, with the change it records.
 */
@Injectable()
export class CredentialHistoryRepository {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  async append(projectId: string, tenantRowId: string, entry: CredentialHistoryEntry, at: Date): Promise<void> {
    await this.uow.db.credentialHistory.create({
      data: {
        id: this.ids.next('chi'),
        projectId,
        tenantId: tenantRowId,
        installationId: entry.installationId ?? null,
        connectionId: entry.connectionId ?? null,
        action: entry.action,
        sessionId: entry.sessionId ?? null,
        previous: entry.previous ?? undefined,
        createdAt: at,
      },
    });
  }

  /** History of one installation or connection, oldest first. */
  list(
    projectId: string,
    of: { installationId: string } | { connectionId: string },
  ): Promise<CredentialHistoryRecord[]> {
    return this.uow.db.credentialHistory.findMany({
      where: { projectId, ...of },
      orderBy: { id: 'asc' },
      select: {
        id: true,
        installationId: true,
        connectionId: true,
        action: true,
        sessionId: true,
        previous: true,
        createdAt: true,
      },
    });
  }
}
