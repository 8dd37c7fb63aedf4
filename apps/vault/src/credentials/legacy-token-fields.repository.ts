import { Injectable } from '@nestjs/common';
import { Prisma } from '@authpipe/prisma';
import type { TenantExternalId } from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';

/** The per-field secrets credentials had before token sets (one ciphertext per token). */
export const LEGACY_TOKEN_FIELDS = ['accessToken', 'refreshToken'] as const;

/** A credential whose tokens are still stored one secret per field. */
export interface LegacyCredential {
  recordType: 'installation' | 'connection';
  id: string;
  projectId: string;
  /** The project's id for the tenant (`tenants.external_id`, branded as read). */
  tenantExternalId: TenantExternalId;
  expiresAt: Date | null;
  scopes: string[];
}

const LEGACY_WHERE = Prisma.sql`s.record_type IN ('installation', 'connection')
  AND s.field IN ('accessToken', 'refreshToken')`;

/**
 * System-scope queries of the boot-time conversion to token sets (it reads across tenants by
 * design, like the key jobs): which credentials still hold per-field token secrets.
 */
@Injectable()
export class LegacyTokenFieldsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async count(): Promise<number> {
    const [row] = await this.uow.db.$queryRaw<{ n: bigint }[]>`
      SELECT count(DISTINCT s.record_id) AS n FROM secrets s WHERE ${LEGACY_WHERE}`;
    return Number(row?.n ?? 0);
  }

  /** Up to `limit` credentials with per-field token secrets, after `afterId` in id order. */
  async page(afterId: string, limit: number): Promise<LegacyCredential[]> {
    return this.uow.db.$queryRaw<LegacyCredential[]>`
      SELECT DISTINCT ON (c.id) s.record_type AS "recordType", c.id, c.project_id AS "projectId",
             t.external_id AS "tenantExternalId", c.expires_at AS "expiresAt", c.scopes
        FROM secrets s
        JOIN (SELECT id, project_id, tenant_id, expires_at, scopes FROM installations
              UNION ALL SELECT id, project_id, tenant_id, expires_at, scopes FROM connections) c
          ON c.id = s.record_id AND c.project_id = s.project_id AND c.tenant_id = s.tenant_id
        JOIN tenants t ON t.id = c.tenant_id
       WHERE ${LEGACY_WHERE} AND c.id > ${afterId}
       ORDER BY c.id
       LIMIT ${limit}`;
  }
}
