import { Injectable, Logger } from '@nestjs/common';
import { CryptoIntegrityError, Envelope, readKeyVersion, type KeyOwner } from '@authpipe/crypto';
import { z } from 'zod';
import { DataKeyUnavailableError, SecretScopeConflictError } from '../keys/keys.errors';
import { TenantResolver } from '../keys/tenant-resolver';
import { asTenantExternalId, type TenantExternalId, type TenantRowId } from '../common/tenant-ids';
import { SecretsRepository, type SecretRef, type SecretUpsertParts } from './secrets.repository';

export type { SecretRef } from './secrets.repository';

/**
 * Whose secret it is: a project (`tenantExternalId: null`, project secrets such as an app's
 * client secret) or one of its tenants, named by the project's own id for it (`org_acme`).
 */
export interface SecretScope {
  projectId: string;
  tenantExternalId: TenantExternalId | null;
}

/**
 * A secret encrypted for its place (owner, record, field), not yet stored: sealed before a unit of
 * work opens (encryption may reserve data-key uses or unwrap keys), stored inside it.
 */
export interface SealedSecret {
  owner: KeyOwner;
  ref: SecretRef;
  ciphertext: Buffer;
}

/**
 * The data key a sealed secret was made with was retired and deleted by a rotation on another
 * replica meanwhile: nothing was stored; seal again (the cached key was dropped) and retry.
 */
export class StaleDataKeyError extends Error {
  constructor(readonly owner: KeyOwner) {
    super(`The data key of project ${owner.projectId} tenant ${owner.tenantId ?? '-'} changed while writing`);
    this.name = 'StaleDataKeyError';
  }
}

const id = z.string().min(1).max(255);
const scopeSchema = z.object({ projectId: id, tenantExternalId: id.nullable() });
const refSchema = z.object({ recordType: id, recordId: id, field: id });

/**
 * Encrypted secrets of every feature: one row per (record type, record id, field), encrypted
 * with the owner's data key and bound to its place by AAD, so a ciphertext copied to another
 * row, field or tenant does not open.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger(SecretsService.name);

  constructor(
    private readonly envelope: Envelope,
    private readonly secrets: SecretsRepository,
    private readonly tenants: TenantResolver,
  ) {}

  /**
   * Stores (or replaces) a secret; creates the tenant row on first use.
   *
   * @throws SecretScopeConflictError when the record id already holds a secret of another scope.
   */
  async put(scope: SecretScope, ref: SecretRef, plaintext: Buffer | string): Promise<void> {
    await this.retryingStaleKeys(scope, async () => this.store(await this.seal(scope, ref, plaintext)));
  }

  /**
   * Encrypts a secret for its place without storing it; creates the tenant row on first use.
   * Call before opening a unit of work, then {@link store} inside it.
   */
  async seal(scope: SecretScope, ref: SecretRef, plaintext: Buffer | string): Promise<SealedSecret> {
    const s = parseScope(scope);
    const r = refSchema.parse(ref);
    const tenantId =
      s.tenantExternalId === null ? null : (await this.tenants.resolve(s.projectId, s.tenantExternalId)).tenantRowId;
    return this.sealOwned({ projectId: s.projectId, tenantId }, r, plaintext);
  }

  /**
   * {@link seal} for a tenant the caller already holds by its row id, read with the record the
   * secret belongs to (a credential row names its tenant by both ids): no tenant lookup. The
   * tenant row must be the project's; the AAD binds the ciphertext to both.
   */
  async sealForTenant(
    projectId: string,
    tenantRowId: TenantRowId,
    ref: SecretRef,
    plaintext: Buffer | string,
  ): Promise<SealedSecret> {
    return this.sealOwned(
      { projectId: id.parse(projectId), tenantId: id.parse(tenantRowId) },
      refSchema.parse(ref),
      plaintext,
    );
  }

  private async sealOwned(
    owner: SealedSecret['owner'],
    ref: SecretRef,
    plaintext: Buffer | string,
  ): Promise<SealedSecret> {
    return { owner, ref, ciphertext: await this.envelope.encrypt({ ...owner, ...ref }, plaintext) };
  }

  /**
   * Stores (or replaces) a sealed secret, in the ambient unit of work when there is one.
   *
   * @throws SecretScopeConflictError when the record id already holds a secret of another scope.
   * @throws StaleDataKeyError when its data key was deleted meanwhile (nothing stored: seal again).
   */
  async store(sealed: SealedSecret): Promise<void> {
    const { owner, ref, ciphertext } = sealed;
    const result = await this.secrets.upsert(owner, ref, ciphertext, readKeyVersion(ciphertext));
    if (result === 'stored') return;
    if (result === 'scope_conflict') throw new SecretScopeConflictError(ref.recordType, ref.recordId, ref.field);
    // This process still held a DEK version that a rotation elsewhere retired and deleted: drop
    // what it cached for the owner, so the next seal encrypts under the active version.
    this.envelope.forget(owner);
    throw new StaleDataKeyError(owner);
  }

  /**
   * {@link store} as parts of a writer's own statement (see {@link SecretsRepository.upsertParts}),
   * for a change that commits its record and its secret in one statement only if `dataKey` has a
   * row and `scopeFree` holds; `unstored`, given what that statement found of both, throws what
   * {@link store} would have, and returns when neither stopped it (the record's own condition did).
   */
  storeParts(sealed: SealedSecret): SecretUpsertParts & {
    unstored: (found: { dataKey: boolean; scopeFree: boolean }) => void;
  } {
    const { owner, ref, ciphertext } = sealed;
    return {
      ...this.secrets.upsertParts(owner, ref, ciphertext, readKeyVersion(ciphertext)),
      unstored: ({ dataKey, scopeFree }) => {
        if (!scopeFree) throw new SecretScopeConflictError(ref.recordType, ref.recordId, ref.field);
        if (dataKey) return;
        // As in store: a DEK version a rotation elsewhere retired and deleted; seal again.
        this.envelope.forget(owner);
        throw new StaleDataKeyError(owner);
      },
    };
  }

  /**
   * Runs `write` (seal, then store, perhaps in a unit of work), once more when a rotation on
   * another replica deleted the data key it sealed with.
   *
   * @throws DataKeyUnavailableError when the second attempt meets a deleted key too.
   */
  async retryingStaleKeys<T>(scope: SecretScope, write: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!(error instanceof StaleDataKeyError)) throw error;
        if (attempt >= 1) throw new DataKeyUnavailableError(scope.projectId, scope.tenantExternalId);
      }
    }
  }

  /**
   * The plaintext of a secret, or null when there is none in this scope.
   *
   * @throws CryptoIntegrityError when the stored bytes do not open in this place (moved, tampered,
   *   key shredded); the error and the log line name ids only.
   */
  async get(scope: SecretScope, ref: SecretRef): Promise<Buffer | null> {
    const s = parseScope(scope);
    const r = refSchema.parse(ref);
    const row = await this.secrets.findByTenantExternalId(s.projectId, s.tenantExternalId, r);
    if (!row) return null;
    return this.decrypt(s.projectId, row.tenantRowId, s.tenantExternalId, r, row.ciphertext);
  }

  /**
   * The plaintext of a secret the caller read with its record (the refresh's one-statement read
   * of a credential, its token set and its app's credential, scoped by the row's project and
   * tenant; tenant null for a project secret).
   *
   * @throws CryptoIntegrityError as {@link get}.
   */
  open(
    tenant: { projectId: string; tenantRowId: TenantRowId | null; tenantExternalId: TenantExternalId | null },
    ref: SecretRef,
    ciphertext: Uint8Array<ArrayBuffer>,
  ): Promise<Buffer> {
    const r = refSchema.parse(ref);
    return this.decrypt(id.parse(tenant.projectId), tenant.tenantRowId, tenant.tenantExternalId, r, ciphertext);
  }

  private async decrypt(
    projectId: string,
    tenantRowId: TenantRowId | null,
    tenantExternalId: TenantExternalId | null,
    r: SecretRef,
    ciphertext: Uint8Array<ArrayBuffer>,
  ): Promise<Buffer> {
    try {
      return await this.envelope.decrypt({ projectId, tenantId: tenantRowId, ...r }, ciphertext);
    } catch (error) {
      if (error instanceof CryptoIntegrityError) {
        // An integrity failure is a security signal (tampering or a moved row): worth a warning.
        this.logger.warn(
          `Secret ${r.recordType}/${r.recordId}/${r.field} of project ${projectId} ` +
            `tenant ${tenantExternalId ?? '-'} failed to open (${error.reason})`,
        );
      }
      throw error;
    }
  }

  /** Deletes one secret; returns whether it existed. */
  async delete(scope: SecretScope, ref: SecretRef): Promise<boolean> {
    const s = parseScope(scope);
    const r = refSchema.parse(ref);
    const owner = await this.resolve(s);
    return owner !== null && (await this.secrets.delete(owner, r)) > 0;
  }

  /** Deletes every secret of one record; returns how many. */
  async deleteRecord(scope: SecretScope, recordType: string, recordId: string): Promise<number> {
    const s = parseScope(scope);
    const owner = await this.resolve(s);
    return owner === null ? 0 : this.secrets.deleteRecord(owner, id.parse(recordType), id.parse(recordId));
  }

  /** The key owner of an existing scope (never creates the tenant); null when the tenant does not exist. */
  private async resolve(scope: SecretScope): Promise<{ projectId: string; tenantId: TenantRowId | null } | null> {
    if (scope.tenantExternalId === null) return { projectId: scope.projectId, tenantId: null };
    const tenant = await this.tenants.find(scope.projectId, scope.tenantExternalId);
    return tenant ? { projectId: scope.projectId, tenantId: tenant.tenantRowId } : null;
  }
}

function parseScope(scope: SecretScope): SecretScope {
  const s = scopeSchema.parse(scope);
  return { projectId: s.projectId, tenantExternalId: asTenantExternalId(s.tenantExternalId) };
}
