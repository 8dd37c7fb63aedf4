import { Inject, Injectable, Logger } from '@nestjs/common';
import { MicrosoftError, resolveCloud, type MicrosoftFailure } from '@authpipe/microsoft';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { cloudOf } from '../apps/app-credentials';
import { LEASED_APP, type ProviderAppRecord } from '../apps/apps.repository';
import { AppsService, type AppWithCredentials } from '../apps/apps.service';
import { CLOCK, type Clock } from '../common/clock';
import { RANDOM, type Random } from '../common/random';
import { REPLICA_ID } from '../common/replica';
import { ConnectionsService } from '../connections/connections.service';
import type { ConnectionRecord } from '../connections/connections.repository';
import type { CredentialRecordBase, CredentialStatus } from '../credentials/credential-records';
import {
  CredentialStateRepository,
  type CredentialRef,
  type LeasedCredential,
} from '../credentials/credential-state.repository';
import { CredentialStateWriter } from '../credentials/credential-state-writer';
import type { Tokens } from '../credentials/token-set';
import type { InstallationRecord } from '../installations/installations.repository';
import { MicrosoftGateway } from '../microsoft/microsoft-gateway';
import { grantedScopes, requestScopes } from '../microsoft/scopes';
import { ActionLinks, blockedCodeOf, type CredentialAction } from './action-links';
import { statusForFailure } from './failure-status';
import { RefreshStats } from './refresh-stats';
import {
  FORCED_REFRESH_INTERVAL_MS,
  KEEP_ALIVE_MS,
  LEASE_MS,
  NEAR_EXPIRY_MS,
  refreshAtFor,
  retryAtFor,
} from './refresh-timing';

/** Why a refresh is asked for: the scheduler (due by `refreshAt` or keep-alive), a reader (near expiry), or forced. */
export type RefreshReason = 'scheduled' | 'on_demand' | 'forced';

/** What one refresh attempt came to. */
export type RefreshOutcome =
  | { result: 'refreshed'; version: number }
  /** Nothing to do: the stored token is not due (another writer refreshed it meanwhile). */
  | { result: 'fresh' }
  /** Another replica holds the credential's lease: it is refreshing it now. */
  | { result: 'busy' }
  /** Microsoft answered, but another writer moved the row on first: its tokens are newer, ours are dropped. */
  | { result: 'lost' }
  | { result: 'failed'; failure: MicrosoftFailure; status: CredentialStatus }
  /** The app is misconfigured: Microsoft would refuse its credential, so nothing is asked until it is fixed. */
  | { result: 'blocked' }
  | { result: 'gone' };

type Row = InstallationRecord | ConnectionRecord;

const appTokenClaims = z.looseObject({ roles: z.array(z.string()).optional() });

/** A connection without a refresh token (its token set lost it) can only be signed in again. */
const NO_REFRESH_TOKEN: MicrosoftFailure = {
  kind: 'needs_reauth',
  aadsts: null,
  error: 'refresh_token_missing',
  remediation: 'The connection holds no refresh token: ask the user to connect again from your app.',
  action: 'reauthorize',
};

/**
 * The one refresh of a credential, shared by the scheduler and getCredential's on-demand path:
 * single-flight in this process, a row lease across replicas, the call to Microsoft through
 * msal-node (a client of its own per call, so msal's throttling state and clock never decide for
 * the vault), then the new token set — the rotated refresh token with its access token — written
 * under the version compare-and-set in one transaction, or the failure classified and recorded.
 * Times come from the vault's clock; msal's real-clock expiry dates are converted by lifetime.
 *
 * The per-call msal client stays on purpose: msal's throttling state runs on real time, which a
 * cached client would carry across the vault's (tests') clock. Building one is cheap: in a CPU
 * profile of the refresh benchmark (1,500 refreshes) client construction took about 0.02 ms per
 * refresh, against ~0.3 ms for msal's own handling of the token response.
 */
@Injectable()
export class RefreshService {
  private readonly logger = new Logger('Refresh');
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();

  constructor(
    private readonly state: CredentialStateRepository,
    private readonly writer: CredentialStateWriter,
    private readonly connections: ConnectionsService,
    private readonly apps: AppsService,
    private readonly microsoft: MicrosoftGateway,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: Random,
    @Inject(REPLICA_ID) private readonly replicaId: string,
    private readonly links: ActionLinks,
    private readonly stats: RefreshStats,
  ) {}

  /** Refreshes the credential if it is due for `reason`; concurrent callers in this process share one attempt. */
  refresh(ref: CredentialRef, reason: RefreshReason): Promise<RefreshOutcome> {
    const key = `${ref.kind}:${ref.id}`;
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.leased(ref, reason).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Whether this process is refreshing the credential now (its lease is this replica's). */
  inProgress(ref: CredentialRef): boolean {
    return this.inFlight.has(`${ref.kind}:${ref.id}`);
  }

  private async leased(ref: CredentialRef, reason: RefreshReason): Promise<RefreshOutcome> {
    const now = this.clock();
    // The lease and everything the refresh reads under it (row, token set, app): one statement.
    const leased = await this.state.leaseAndRead<Row, ProviderAppRecord>(
      ref,
      this.replicaId,
      new Date(now),
      new Date(now + LEASE_MS),
      LEASED_APP,
    );
    if (leased === null) return (await this.state.leaseState(ref)) === null ? { result: 'gone' } : { result: 'busy' };
    // A written outcome (its compare-and-set won) released the lease in the same statement.
    let written = false;
    try {
      const { row } = leased;
      if (!isDue(ref, row, reason, now)) return { result: 'fresh' };
      if (reason === 'scheduled') this.stats.lag.observe(Math.max(0, now - dueSince(ref, row, now)) / 1000);
      const outcome = await this.attempt(ref, leased);
      written = outcome.result === 'refreshed' || outcome.result === 'failed';
      if (outcome.result === 'refreshed' || outcome.result === 'lost' || outcome.result === 'blocked')
        this.stats.attempts.inc({ result: outcome.result, class: 'none', kind: ref.kind });
      else if (outcome.result === 'failed')
        this.stats.attempts.inc({ result: 'failed', class: outcome.failure.kind, kind: ref.kind });
      return outcome;
    } finally {
      // Every other way out (not due, lost, blocked, an error) gives the lease back here.
      if (!written) await this.state.release(ref, this.replicaId);
    }
  }

  private async attempt(
    ref: CredentialRef,
    { row, tokenSet, app, appCredential }: LeasedCredential<Row, ProviderAppRecord>,
  ): Promise<RefreshOutcome> {
    const loaded = await this.apps.openWithCredentials(app, appCredential);
    // No retry loop against a refused app credential: its credentials wait for the app's fix.
    if (loaded.app.status === 'misconfigured') return { result: 'blocked' };
    let tokens: Tokens;
    // Real time, not the vault's clock: this measures Microsoft, not the schedule.
    const started = performance.now();
    try {
      tokens =
        ref.kind === 'installation'
          ? await this.appToken(row as InstallationRecord, loaded)
          : await this.userToken(row as ConnectionRecord, loaded, tokenSet);
      this.stats.tokenEndpoint.observe({ kind: ref.kind, outcome: 'ok' }, (performance.now() - started) / 1000);
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      this.stats.tokenEndpoint.observe({ kind: ref.kind, outcome: 'error' }, (performance.now() - started) / 1000);
      return this.failed(ref, row, loaded, error.failure);
    }
    const now = this.clock();
    const version = await this.writer.refreshed(ref.kind, row, tokens, {
      refreshAt: refreshAtFor(now, tokens.expiresAt, this.random),
      keepAliveAt: ref.kind === 'connection' ? new Date(now + KEEP_ALIVE_MS) : null,
    });
    return version === null ? { result: 'lost' } : { result: 'refreshed', version };
  }

  /** Re-mints an installation's app-only token with client credentials (secret or certificate). */
  private async appToken(row: InstallationRecord, { app, microsoft }: AppWithCredentials): Promise<Tokens> {
    const token = await this.microsoft.auth.acquireAppToken({
      app: microsoft,
      tenantId: row.directoryId,
      scopes: [resolveCloud(cloudOf(app)).graphDefaultScope],
      skipCache: true,
      fresh: true,
    });
    const claims = appTokenClaims.safeParse(decodeJwt(token.accessToken));
    return {
      accessToken: token.accessToken,
      refreshToken: null,
      expiresAt: new Date(this.clock() + token.expiresInMs),
      scopes: (claims.success ? claims.data.roles : undefined) ?? row.scopes,
    };
  }

  /** Redeems a connection's refresh token; Microsoft rotates it, and the new one is kept. */
  private async userToken(
    row: ConnectionRecord,
    { app, microsoft }: AppWithCredentials,
    tokenSet: Uint8Array<ArrayBuffer> | null,
  ): Promise<Tokens> {
    const stored = tokenSet === null ? null : await this.connections.openTokens(row, tokenSet);
    if (stored?.refreshToken == null) throw new MicrosoftError(NO_REFRESH_TOKEN);
    const cloud = cloudOf(app);
    const result = await this.microsoft.auth.refresh({
      app: microsoft,
      authority: app.userAuthority,
      refreshToken: stored.refreshToken,
      scopes: requestScopes(cloud, app.userScopes),
    });
    return {
      accessToken: result.accessToken,
      refreshToken: result.refreshToken,
      expiresAt: new Date(this.clock() + result.expiresInMs),
      scopes: grantedScopes(cloud, result.scopes),
    };
  }

  private async failed(
    ref: CredentialRef,
    row: Row,
    { app }: AppWithCredentials,
    failure: MicrosoftFailure,
  ): Promise<RefreshOutcome> {
    const { status, retry, flagsApp } = statusForFailure(failure);
    const failures = row.failureCount + 1;
    const now = this.clock();
    const action = row.status === status ? this.recordedAction(row) : await this.actionFor(ref, row, status);
    const version = await this.writer.failed(ref.kind, row, {
      status,
      aadsts: failure.aadsts,
      error: failure.error,
      remediation: failure.remediation,
      failureCount: failures,
      refreshAt: retry ? retryAtFor(now, failures, this.random, failure.retryAfterSeconds) : null,
      traceId: failure.traceId ?? null,
      correlationId: failure.correlationId ?? null,
      claims: failure.claims ?? null,
      action: action?.type ?? null,
      actionUrl: action?.url ?? null,
    });
    if (version !== null && action !== null) this.links.remember(ref.projectId, row.id, version, action);
    // The app's own credential: the app is marked once and its other credentials flagged with it.
    if (flagsApp) await this.apps.markMisconfigured(app, failure, 'refresh');
    this.logger.warn(
      {
        credentialId: row.id,
        kind: ref.kind,
        status,
        aadsts: failure.aadsts,
        error: failure.error,
        traceId: failure.traceId,
        correlationId: failure.correlationId,
        failures,
      },
      'Refresh failed',
    );
    return version === null ? { result: 'lost' } : { result: 'failed', failure, status };
  }

  /** The action (with its link) a credential entering `status` needs, or null while Authpipe retries. */
  actionFor(ref: CredentialRef, row: Row, status: CredentialStatus): Promise<CredentialAction> | null {
    const blocked = blockedCodeOf(status);
    if (blocked === null) return null;
    const installation = ref.kind === 'installation' ? (row as InstallationRecord) : null;
    const lookup = {
      provider: row.provider,
      tenantExternalId: row.tenantExternalId,
      ...(installation === null ? { userId: (row as ConnectionRecord).userId } : {}),
    };
    const resource =
      installation?.resourceKind != null
        ? {
            kind: installation.resourceKind,
            driveId: installation.resourceDriveId ?? null,
            siteId: installation.resourceSiteId ?? null,
            webUrl: installation.resourceWebUrl ?? null,
          }
        : null;
    return this.links.forBlocked(
      ref.projectId,
      lookup,
      { kind: ref.kind, id: row.id, version: row.version + 1, appId: row.appId, status, resource },
      blocked,
    );
  }

  /** The action recorded with the row's current status (a repeated failure keeps it). */
  private recordedAction(row: Row): CredentialAction | null {
    if (row.statusAction === null) return null;
    return {
      type: row.statusAction as CredentialAction['type'],
      ...(row.statusActionUrl !== null ? { url: row.statusActionUrl } : {}),
    };
  }
}

/** Whether `row` needs a refresh for `reason` at `now`. */
function isDue(
  ref: CredentialRef,
  row: CredentialRecordBase & { keepAliveAt?: Date | null },
  reason: RefreshReason,
  now: number,
): boolean {
  const expiresAt = row.expiresAt?.getTime() ?? 0;
  // Flagged with its app: asked for again only once the app was fixed (the scheduler or a reader
  // then proves the new app credential on it).
  if (row.status === 'misconfigured' && row.statusAction === 'fix_app') return true;
  if (reason === 'forced') {
    const issued = row.lastRefreshedAt?.getTime() ?? 0;
    return now - issued >= FORCED_REFRESH_INTERVAL_MS || expiresAt - now <= NEAR_EXPIRY_MS;
  }
  if (reason === 'on_demand') return expiresAt - now <= NEAR_EXPIRY_MS;
  const keepAliveDue = ref.kind === 'connection' && row.keepAliveAt != null && row.keepAliveAt.getTime() <= now;
  return (row.refreshAt !== null && row.refreshAt.getTime() <= now) || keepAliveDue;
}

/** Since when a scheduled credential has been due: its refresh_at, or its keep-alive date if earlier. */
function dueSince(ref: CredentialRef, row: CredentialRecordBase & { keepAliveAt?: Date | null }, now: number): number {
  const dates = [row.refreshAt?.getTime(), ref.kind === 'connection' ? row.keepAliveAt?.getTime() : undefined];
  return Math.min(now, ...dates.filter((d): d is number => d !== undefined));
}
