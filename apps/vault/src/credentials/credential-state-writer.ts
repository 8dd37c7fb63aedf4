import { Inject, Injectable } from '@nestjs/common';
import { InvalidationBus } from '../bus/invalidation-bus';
import { CLOCK, type Clock } from '../common/clock';
import { UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { SecretsService } from '../secrets/secrets.service';
import type { CredentialRecordBase } from './credential-records';
import {
  CredentialStateRepository,
  type CredentialKindName,
  type FailedState,
  type RefreshedState,
} from './credential-state.repository';
import { TOKEN_SET_FIELD, serializeTokenSet, type Tokens } from './token-set';

/** Internal: the compare-and-set lost inside a transaction, which must roll back. */
class LostCompareAndSet extends Error {}

/**
 * Writes what a refresh (or a health check) learnt about a credential, each outcome one unit of
 * work (one transaction: the common refresh is a single statement, see
 * CredentialStateRepository.refreshedWithTokenSet) conditional on the version the caller read: the row, the new token set (the rotated
 * refresh token with the access token: never one without the other), the status events and the
 * `credential.changed` bus message that drops every replica's cached copy once it commits.
 * Returns the new version, or null when another writer moved the row on first (nothing stored:
 * its tokens are newer).
 */
@Injectable()
export class CredentialStateWriter {
  constructor(
    private readonly state: CredentialStateRepository,
    private readonly secrets: SecretsService,
    private readonly events: EventsService,
    private readonly uow: UnitOfWork,
    private readonly bus: InvalidationBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async refreshed(
    kind: CredentialKindName,
    row: CredentialRecordBase,
    tokens: Tokens,
    next: Omit<RefreshedState, 'expiresAt' | 'scopes'>,
  ): Promise<number | null> {
    const scope = { projectId: row.projectId, tenantExternalId: row.tenantExternalId };
    const plaintext = serializeTokenSet(tokens);
    const state = { ...next, expiresAt: tokens.expiresAt, scopes: tokens.scopes };
    try {
      return await this.secrets.retryingStaleKeys(scope, async () => {
        // The row names its tenant by its row id: no tenant lookup for the seal.
        const sealed = await this.secrets.sealForTenant(
          row.projectId,
          row.tenantRowId,
          { recordType: kind, recordId: row.id, field: TOKEN_SET_FIELD },
          plaintext,
        );
        const ref = { kind, projectId: row.projectId, id: row.id };
        // A good refresh does not clear `access_lost` (see CredentialStateRepository.refreshed):
        // from `active` or `access_lost` the status stays, no event is due, and the change (row,
        // token set, bus message) is one statement: one round trip instead of five.
        if (row.status === 'active' || row.status === 'access_lost') {
          const message = this.bus.prepare({ type: 'credential.changed', projectId: row.projectId, kind, id: row.id });
          const secret = this.secrets.storeParts(sealed);
          const written = await this.state.refreshedWithTokenSet(
            ref,
            row.version,
            state,
            new Date(this.clock()),
            secret,
            message.payload,
          );
          if (written.version === null) {
            secret.unstored(written);
            return null;
          }
          message.committed();
          return written.version;
        }
        // A recovery: the row, the token set and its events in one unit of work.
        return this.conditionally(kind, row, async () => {
          const version = await this.state.refreshed(ref, row.version, state, new Date(this.clock()));
          if (version === null) throw new LostCompareAndSet();
          await this.secrets.store(sealed);
          await this.statusChanged(kind, row, 'active', null);
          await this.events.appendFor(row.projectId, row, 'credential.recovered', {
            credentialId: row.id,
            kind,
            from: row.status,
          });
          return version;
        });
      });
    } finally {
      plaintext.fill(0);
    }
  }

  async failed(kind: CredentialKindName, row: CredentialRecordBase, state: FailedState): Promise<number | null> {
    return this.conditionally(kind, row, async () => {
      const at = new Date(this.clock());
      const version = await this.state.failed({ kind, projectId: row.projectId, id: row.id }, row.version, state, at);
      if (version === null) throw new LostCompareAndSet();
      if (row.status !== state.status) await this.statusChanged(kind, row, state.status, state);
      // Admin consent removed in the installation's directory: its users' delegated consent can
      // survive it, so their connections are probed at once rather than marked with it.
      if (kind === 'installation' && state.status === 'revoked' && row.status !== 'revoked' && hasDirectory(row)) {
        await this.state.probeConnectionsOf(row, at);
      }
      return version;
    });
  }

  /**
   * A health probe found Graph answering again for a credential in `access_lost`: active again,
   * with `credential.status_changed` and `credential.recovered` (which resolve its issue).
   */
  async accessRestored(kind: CredentialKindName, row: CredentialRecordBase): Promise<number | null> {
    return this.conditionally(kind, row, async () => {
      const version = await this.state.accessRestored(
        { kind, projectId: row.projectId, id: row.id },
        row.version,
        new Date(this.clock()),
      );
      if (version === null) throw new LostCompareAndSet();
      await this.statusChanged(kind, row, 'active', null);
      await this.events.appendFor(row.projectId, row, 'credential.recovered', {
        credentialId: row.id,
        kind,
        from: row.status,
      });
      return version;
    });
  }

  private statusChanged(
    kind: CredentialKindName,
    row: CredentialRecordBase,
    to: string,
    failure: FailedState | null,
  ): Promise<unknown> {
    return this.events.appendFor(row.projectId, row, 'credential.status_changed', {
      credentialId: row.id,
      kind,
      from: row.status,
      to,
      aadsts: failure?.aadsts ?? null,
      error: failure?.error ?? null,
      traceId: failure?.traceId ?? null,
      correlationId: failure?.correlationId ?? null,
      remediation: failure?.remediation ?? null,
      action: failure?.action ?? null,
      actionUrl: failure?.actionUrl ?? null,
    });
  }

  /**
   * The project's app was refused its own credential: every credential of it is flagged
   * `misconfigured` and stops being retried, in the caller's unit of work, with one bus message
   * each (their cached tokens drop) and no event each — the app's one `app.misconfigured` event is
   * the alert. Returns how many were flagged.
   */
  async appMisconfigured(
    projectId: string,
    appId: string,
    failure: Pick<FailedState, 'aadsts' | 'error' | 'remediation' | 'traceId' | 'correlationId' | 'actionUrl'>,
  ): Promise<number> {
    return this.uow.run(async () => {
      const flagged = await this.state.flagApp(projectId, appId, failure, new Date(this.clock()));
      for (const { kind, id } of flagged) await this.bus.publish({ type: 'credential.changed', projectId, kind, id });
      return flagged.length;
    });
  }

  /** The app's credential was fixed: the credentials it flagged are due for a refresh now. Returns how many. */
  appFixed(projectId: string, appId: string): Promise<number> {
    return this.uow.run(() => this.state.appFixed(projectId, appId, new Date(this.clock())));
  }

  private async conditionally(
    kind: CredentialKindName,
    row: CredentialRecordBase,
    work: () => Promise<number>,
  ): Promise<number | null> {
    try {
      return await this.uow.run(async () => {
        const version = await work();
        await this.bus.publish({ type: 'credential.changed', projectId: row.projectId, kind, id: row.id });
        return version;
      });
    } catch (error) {
      if (error instanceof LostCompareAndSet) return null;
      throw error;
    }
  }
}

function hasDirectory(row: CredentialRecordBase): row is CredentialRecordBase & { directoryId: string } {
  return typeof (row as { directoryId?: unknown }).directoryId === 'string';
}
