import { Injectable } from '@nestjs/common';
import type { Prisma } from '@authpipe/prisma';
import { asTenantExternalId, asTenantRowId, type TenantOwned, type TenantRowId } from '../../common/tenant-ids';
import { UnitOfWork } from '../../database/unit-of-work';
import type { ResourceSpec } from './connect-session.dto';

export interface ConnectSessionRecord extends TenantOwned {
  id: string;
  appId: string;
  provider: string;
  credentialFor: 'installation' | 'user';
  userId: string | null;
  returnTo: string | null;
  mode: 'popup' | 'redirect';
  resource: ResourceSpec | null;
  targetInstallationId: string | null;
  targetConnectionId: string | null;
  /** Re-authorizing the connection with another Microsoft account (another oid) is allowed. */
  allowAccountChange: boolean;
  expiresAt: Date;
  consumedAt: Date | null;
  createdAt: Date;
  /** The project's name, shown to the person on the start page. */
  projectName: string;
}

export type ConnectSessionWrite = Omit<
  ConnectSessionRecord,
  'projectId' | 'tenantRowId' | 'tenantExternalId' | 'consumedAt' | 'createdAt' | 'projectName'
>;

const columns = {
  id: true,
  projectId: true,
  tenantId: true,
  appId: true,
  provider: true,
  credentialFor: true,
  userId: true,
  returnTo: true,
  mode: true,
  resource: true,
  targetInstallationId: true,
  targetConnectionId: true,
  allowAccountChange: true,
  expiresAt: true,
  consumedAt: true,
  createdAt: true,
  tenant: { select: { externalId: true } },
  project: { select: { name: true } },
} as const;

type Row = Prisma.ConnectSessionGetPayload<{ select: typeof columns }>;

function toRecord({ tenant, project, tenantId, ...row }: Row): ConnectSessionRecord {
  return {
    ...row,
    tenantRowId: asTenantRowId(tenantId),
    tenantExternalId: asTenantExternalId(tenant.externalId),
    projectName: project.name,
    credentialFor: row.credentialFor as ConnectSessionRecord['credentialFor'],
    mode: row.mode as ConnectSessionRecord['mode'],
    resource: (row.resource ?? null) as ResourceSpec | null,
  };
}

/** `connect_sessions`. Looked up by token hash (the browser has no API key), else by project first. */
@Injectable()
export class ConnectSessionsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async create(
    projectId: string,
    tenantRowId: TenantRowId,
    tokenHash: Buffer,
    data: ConnectSessionWrite,
    at: Date,
  ): Promise<ConnectSessionRecord> {
    const row = await this.uow.db.connectSession.create({
      data: {
        ...data,
        resource: data.resource === null ? undefined : (data.resource as Prisma.InputJsonObject),
        projectId,
        tenantId: tenantRowId,
        tokenHash: new Uint8Array(tokenHash),
        createdAt: at,
      },
      select: columns,
    });
    return toRecord(row);
  }

  /** The session whose token hashes to `tokenHash`, whatever its project: the token is the authority. */
  async findByTokenHash(tokenHash: Buffer): Promise<ConnectSessionRecord | null> {
    const row = await this.uow.db.connectSession.findUnique({
      where: { tokenHash: new Uint8Array(tokenHash) },
      select: columns,
    });
    return row ? toRecord(row) : null;
  }

  async find(projectId: string, id: string): Promise<ConnectSessionRecord | null> {
    const row = await this.uow.db.connectSession.findFirst({ where: { projectId, id }, select: columns });
    return row ? toRecord(row) : null;
  }

  /** Sets the mode a live session's flow completes in (see ConnectSessionsService.chooseMode). */
  async setMode(projectId: string, id: string, mode: ConnectSessionRecord['mode']): Promise<void> {
    await this.uow.db.connectSession.updateMany({ where: { projectId, id, consumedAt: null }, data: { mode } });
  }

  /**
   * Marks the session consumed if it is neither consumed nor expired at `now`: one conditional
   * UPDATE, so of two flows racing to complete the same session exactly one wins.
   */
  async consume(projectId: string, id: string, now: Date): Promise<boolean> {
    const { count } = await this.uow.db.connectSession.updateMany({
      where: { projectId, id, consumedAt: null, expiresAt: { gt: now } },
      data: { consumedAt: now },
    });
    return count === 1;
  }

  /**
   * Deletes sessions expired before `before` that no longer have OAuth states; returns how many.
   * A state's encrypted verifier and nonce live in `secrets`, which a cascade would not reach, so
   * states are purged first with their secrets (OAuthStatesRepository.deleteExpired).
   */
  async deleteExpired(before: Date, limit: number): Promise<number> {
    const rows = await this.uow.db.connectSession.findMany({
      where: { expiresAt: { lt: before }, oauthStates: { none: {} } },
      select: { id: true },
      take: limit,
    });
    if (rows.length === 0) return 0;
    const { count } = await this.uow.db.connectSession.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
    return count;
  }
}
