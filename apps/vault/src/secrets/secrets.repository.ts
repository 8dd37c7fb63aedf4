import { Inject, Injectable } from '@nestjs/common';
import type { KeyOwner } from '@authpipe/crypto';
import { Prisma } from '@authpipe/prisma';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import { asTenantRowId, type TenantExternalId, type TenantRowId } from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';

/** Where a secret lives inside its record. */
export interface SecretRef {
  recordType: string;
  recordId: string;
  field: string;
}

/**
 * Ciphertext bytes as Prisma returns them (`Bytes`): handed to `Envelope.decrypt`, which views a
 * plain Uint8Array without copying, and back to Prisma as they are.
 */
export type StoredCiphertext = Uint8Array<ArrayBuffer>;

/** See {@link SecretsRepository.upsertParts}. */
export interface SecretUpsertParts {
  dataKey: Prisma.Sql;
  scopeFree: Prisma.Sql;
  upsertFrom: (source: Prisma.Sql) => Prisma.Sql;
}

/** Outcome of {@link SecretsRepository.upsert}. */
export type UpsertResult = 'stored' | 'scope_conflict' | 'data_key_missing';

const ownerWhere = (owner: KeyOwner) => ({ projectId: owner.projectId, tenantId: owner.tenantId });
const refWhere = (ref: SecretRef) => ({ recordType: ref.recordType, recordId: ref.recordId, field: ref.field });

/**
 * Rows of `secrets` as features read and write them (the key jobs' sweeps of the table live in
 * keys/ciphertext-sweep.repository.ts), through the ambient unit of work. Every method takes the owner (project, and tenant row id or null for project
 * secrets) first and filters by it, so no query can reach another tenant's rows.
 */
@Injectable()
export class SecretsRepository {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  /**
   * Inserts or replaces one secret. The (record type, record id, field) key is global, so the
   * update only applies when the existing row has the same owner (else `scope_conflict`).
   *
   * The write also requires its DEK version to exist, and holds a key-share lock on that
   * data_keys row until commit, so it cannot race the deletion of a retired DEK
   * ({@link DataKeyRepository.deleteUnreferencedRetired}): a replica still encrypting with a
   * deleted version gets `data_key_missing` instead of storing a ciphertext nothing can open.
   */
  async upsert(owner: KeyOwner, ref: SecretRef, ciphertext: Buffer, dekVersion: number): Promise<UpsertResult> {
    const parts = this.upsertParts(owner, ref, ciphertext, dekVersion);
    const rows = await this.uow.db.$queryRaw<{ id: string }[]>`
      WITH dek AS (${parts.dataKey})
      ${parts.upsertFrom(Prisma.sql`dek`)}`;
    if (rows.length === 1) return 'stored';
    return (await this.dataKeyExists(owner, dekVersion)) ? 'scope_conflict' : 'data_key_missing';
  }

  /**
   * {@link upsert} in parts, for a writer that stores the secret in the same statement as its
   * record: `dataKey`, a SELECT of the DEK version's row (one row when it exists, key-share
   * locked until commit); `scopeFree`, a condition true unless the secret's place holds another
   * owner's secret; and `upsertFrom(source)`, the INSERT … ON CONFLICT of the secret once per row
   * of `source` (a CTE the caller names), returning its id.
   */
  upsertParts(owner: KeyOwner, ref: SecretRef, ciphertext: Buffer, dekVersion: number): SecretUpsertParts {
    const ownerId = owner.tenantId ?? owner.projectId;
    const now = new Date(this.clock());
    return {
      dataKey: Prisma.sql`SELECT 1 FROM data_keys
         WHERE owner_id = ${ownerId} AND project_id = ${owner.projectId}
           AND tenant_id IS NOT DISTINCT FROM ${owner.tenantId}::text AND version = ${dekVersion}
           FOR KEY SHARE`,
      scopeFree: Prisma.sql`NOT EXISTS (SELECT 1 FROM secrets
         WHERE record_type = ${ref.recordType} AND record_id = ${ref.recordId} AND field = ${ref.field}
           AND (project_id <> ${owner.projectId} OR tenant_id IS DISTINCT FROM ${owner.tenantId}::text))`,
      upsertFrom: (source) => Prisma.sql`
      INSERT INTO secrets (id, project_id, tenant_id, record_type, record_id, field, ciphertext, dek_version, updated_at)
      SELECT ${this.ids.next('sec')}, ${owner.projectId}, ${owner.tenantId}::text, ${ref.recordType}, ${ref.recordId},
             ${ref.field}, ${new Uint8Array(ciphertext)}, ${dekVersion}, ${now}
        FROM ${source}
      ON CONFLICT (record_type, record_id, field) DO UPDATE
         SET ciphertext = EXCLUDED.ciphertext, dek_version = EXCLUDED.dek_version, updated_at = ${now}
       WHERE secrets.project_id = EXCLUDED.project_id
         AND secrets.tenant_id IS NOT DISTINCT FROM EXCLUDED.tenant_id
      RETURNING id`,
    };
  }

  /** Whether the owner's DEK `version` still exists (a rotation elsewhere deletes retired ones). */
  async dataKeyExists(owner: KeyOwner, version: number): Promise<boolean> {
    const count = await this.uow.db.dataKey.count({
      where: {
        ownerId: owner.tenantId ?? owner.projectId,
        projectId: owner.projectId,
        tenantId: owner.tenantId,
        version,
      },
    });
    return count > 0;
  }

  /**
   * One secret of a project secret scope (`tenantExternalId` null) or of a tenant named by its
   * external id, with the tenant's row id its AAD names.
   */
  async findByTenantExternalId(
    projectId: string,
    tenantExternalId: TenantExternalId | null,
    ref: SecretRef,
  ): Promise<{ tenantRowId: TenantRowId | null; ciphertext: StoredCiphertext } | null> {
    const row = await this.uow.db.secret.findFirst({
      where: {
        projectId,
        ...(tenantExternalId === null
          ? { tenantId: null }
          : { tenant: { is: { projectId, externalId: tenantExternalId } } }),
        ...refWhere(ref),
      },
      select: { tenantId: true, ciphertext: true },
    });
    return row && { tenantRowId: asTenantRowId(row.tenantId), ciphertext: row.ciphertext };
  }

  async delete(owner: KeyOwner, ref: SecretRef): Promise<number> {
    const { count } = await this.uow.db.secret.deleteMany({ where: { ...ownerWhere(owner), ...refWhere(ref) } });
    return count;
  }

  async deleteRecord(owner: KeyOwner, recordType: string, recordId: string): Promise<number> {
    const { count } = await this.uow.db.secret.deleteMany({ where: { ...ownerWhere(owner), recordType, recordId } });
    return count;
  }
}
