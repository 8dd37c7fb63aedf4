import { Inject, Injectable, Logger } from '@nestjs/common';
import { GraphError, HttpRequestError, type GraphAuth } from '@authpipe/microsoft';
import { cloudOf } from '../apps/app-credentials';
import { AppsService } from '../apps/apps.service';
import { CLOCK, type Clock } from '../common/clock';
import { RANDOM, type Random } from '../common/random';
import { REPLICA_ID } from '../common/replica';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { ConnectionsService } from '../connections/connections.service';
import type { ConnectionRecord } from '../connections/connections.repository';
import { CredentialStateRepository, type CredentialRef } from '../credentials/credential-state.repository';
import { CredentialStateWriter } from '../credentials/credential-state-writer';
import { InstallationsService } from '../installations/installations.service';
import type { InstallationRecord } from '../installations/installations.repository';
import { MicrosoftGateway } from '../microsoft/microsoft-gateway';
import { ActionLinks } from './action-links';
import { RefreshService, type RefreshOutcome } from './refresh.service';
import { RefreshStats } from './refresh-stats';
import { LEASE_MS, NEAR_EXPIRY_MS, PROBE_RETRY_MS, nextProbeAt } from './refresh-timing';

/**
 * What one probe came to:
 * - `ok`: Graph answered; `recovered`: it answered for a credential in `access_lost`, now active;
 * - `access_lost`: Graph refused the fresh token (401/403), or answered 404 `itemNotFound` for an
 *   installation's bound drive or site, and the credential was marked;
 * - `transient`: Graph, the network or the refresh before it failed transiently (5xx, 429,
 *   timeouts): the probe marks nothing (the refresh degrades as it does), tried again soon;
 * - `refresh_failed`: the refresh before the probe failed; the refresh classified and recorded it;
 * - `skipped`: nothing to probe (not active, its app misconfigured, no token, no bound resource);
 * - `busy`: another replica is refreshing it; `lost`: another writer moved it on first; `gone`.
 */
export type ProbeResult =
  'ok' | 'recovered' | 'access_lost' | 'transient' | 'refresh_failed' | 'skipped' | 'busy' | 'lost' | 'gone';

type Row = InstallationRecord | ConnectionRecord;

/** Graph's answers that mean the token was accepted (or not) but the resource is refused to it. */
const ACCESS_REFUSED = new Set([401, 403]);
/**
 * Graph's answer for a drive or site that is deleted or no longer visible to the caller: 404
 * `itemNotFound` ("The requested resource doesn't exist", https://learn.microsoft.com/graph/errors;
 * OneDrive's itemNotFound, https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors).
 * After a good token, on the resource an installation is bound to, the access is lost as surely as
 * with a 403. Not for `/me`: a token Microsoft just issued proves the user exists (a deleted user's
 * refresh fails with AADSTS50034 and is the refresh's to classify), so a 404 there is most likely
 * Graph's directory lagging behind a change, and stays transient (as do other 404 codes).
 */
const RESOURCE_GONE = 'itemNotFound';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One health probe of a credential: a Graph call that proves what a refresh cannot — that Graph
 * still accepts the token for what it is for (`/me` for a user's connection; the bound drive or
 * site for an installation). Always with a fresh token: a token near expiry (or expired) is
 * refreshed first through RefreshService, whose failures it classifies and records itself, and a
 * Graph 401 forces one refresh and one more call, so an expired or rotated token is never taken
 * for lost access. Graph refusing a good token (401/403), or no longer finding an installation's
 * bound drive or site (404 `itemNotFound`), marks the credential `access_lost` (one status change,
 * one issue); a later good probe brings it back (`credential.recovered`).
 * Transient failures change nothing. Writes go through CredentialStateWriter under the version
 * compare-and-set, each with its events in one unit of work.
 */
@Injectable()
export class HealthProbeService {
  private readonly logger = new Logger('HealthProbe');

  constructor(
    private readonly refresh: RefreshService,
    private readonly state: CredentialStateRepository,
    private readonly writer: CredentialStateWriter,
    private readonly installations: InstallationsService,
    private readonly connections: ConnectionsService,
    private readonly apps: AppsService,
    private readonly microsoft: MicrosoftGateway,
    private readonly links: ActionLinks,
    private readonly stats: RefreshStats,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: Random,
    @Inject(REPLICA_ID) private readonly replicaId: string,
  ) {}

  /** Probes the credential now and dates its next probe (sooner after a transient failure). */
  async probe(ref: CredentialRef): Promise<ProbeResult> {
    const result = await this.attempt(ref);
    this.stats.probes.inc({ result, kind: ref.kind });
    if (result !== 'gone') {
      const now = this.clock();
      const next =
        result === 'transient' || result === 'busy' || result === 'lost'
          ? new Date(now + PROBE_RETRY_MS)
          : nextProbeAt(now, this.config.healthProbes.intervalMs, this.random);
      await this.state.probed(ref, new Date(now), next);
    }
    return result;
  }

  private async attempt(ref: CredentialRef): Promise<ProbeResult> {
    let row = await this.find(ref);
    if (row === null) return 'gone';
    if (row.status !== 'active' && row.status !== 'access_lost') return 'skipped';
    const { app } = await this.apps.getWithCredentials(ref.projectId, row.appId);
    if (app.status === 'misconfigured') return 'skipped';

    // A fresh token first: never judge Graph's answer to a token that merely expired.
    if ((row.expiresAt?.getTime() ?? 0) - this.clock() <= NEAR_EXPIRY_MS) {
      const refreshed = await this.refreshFirst(ref, 'on_demand');
      if (refreshed !== null) return refreshed;
      row = await this.find(ref);
      if (row === null) return 'gone';
    }
    let answer = await this.callGraph(row, app);
    if (answer.kind === 'refused' && answer.error.status === 401) {
      // Graph no longer accepts this token (revoked sessions, a rolled key, CAE): a forced refresh
      // says whether the user must sign in again (recorded by the refresh) or the token is good.
      const refreshed = await this.refreshFirst(ref, 'forced');
      if (refreshed !== null) return refreshed;
      row = await this.find(ref);
      if (row === null) return 'gone';
      answer = await this.callGraph(row, app);
    }
    switch (answer.kind) {
      case 'skipped':
        return 'skipped';
      case 'transient':
        this.logger.warn(
          { credentialId: row.id, kind: ref.kind, status: answer.status, reason: answer.reason },
          'Health probe could not reach Graph',
        );
        return 'transient';
      case 'ok':
        if (row.status !== 'access_lost') return 'ok';
        return this.underLease(ref, async (current) => {
          if (current.status !== 'access_lost') return 'ok';
          return (await this.writer.accessRestored(ref.kind, current)) === null ? 'lost' : 'recovered';
        });
      case 'refused': {
        // Already recorded: one status change (and one issue) however often Graph refuses it.
        if (row.status === 'access_lost') return 'access_lost';
        const error = answer.error;
        return this.underLease(ref, (current) =>
          current.status === 'active' ? this.accessLost(ref, current, error) : Promise.resolve('skipped' as const),
        );
      }
    }
  }

  /**
   * Runs a status write under the credential's refresh lease, on the row read again under it: a
   * refresh in flight on another replica (which may hold a rotated refresh token) is never made
   * to lose its compare-and-set by the probe's write. `busy` when another replica holds it.
   */
  private async underLease(ref: CredentialRef, write: (row: Row) => Promise<ProbeResult>): Promise<ProbeResult> {
    // The lease is per replica: a refresh of this process in flight holds it too.
    if (this.refresh.inProgress(ref)) return 'busy';
    const now = this.clock();
    const lease = await this.state.lease(ref, this.replicaId, new Date(now), new Date(now + LEASE_MS));
    if (lease === null) return 'busy';
    try {
      const row = await this.find(ref);
      return row === null ? 'gone' : await write(row);
    } finally {
      await this.state.release(ref, this.replicaId);
    }
  }

  /** A refresh before the probe; null when the probe can go on with the stored token. */
  private async refreshFirst(ref: CredentialRef, reason: 'on_demand' | 'forced'): Promise<ProbeResult | null> {
    const outcome: RefreshOutcome = await this.refresh.refresh(ref, reason);
    switch (outcome.result) {
      case 'refreshed':
      case 'fresh':
        return null;
      case 'failed':
        // A transient failure (the credential degraded, retried by the refresh): probe again soon.
        return outcome.status === 'degraded' ? 'transient' : 'refresh_failed';
      case 'blocked':
        return 'refresh_failed';
      case 'busy':
        return 'busy';
      case 'lost':
        return 'lost';
      case 'gone':
        return 'gone';
    }
  }

  private async callGraph(
    row: Row,
    app: Parameters<typeof cloudOf>[0],
  ): Promise<
    | { kind: 'ok' }
    | { kind: 'skipped' }
    | { kind: 'refused'; error: GraphError }
    | { kind: 'transient'; status: number | null; reason: string }
  > {
    const tokens =
      'directoryId' in row ? await this.installations.readTokens(row) : await this.connections.readTokens(row);
    if (tokens === null) return { kind: 'skipped' };
    const auth: GraphAuth = { cloud: cloudOf(app), accessToken: tokens.accessToken };
    const graph = this.microsoft.graph;
    try {
      if (!('directoryId' in row)) await graph.getMe(auth);
      else if (row.resourceDriveId) await graph.getDrive(auth, row.resourceDriveId);
      else if (row.resourceSiteId) await graph.getSiteDrive(auth, row.resourceSiteId);
      else if (row.resourceUser) await graph.getUserDrive(auth, row.resourceUser);
      // An installation bound to no resource has nothing Graph could refuse it.
      else return { kind: 'skipped' };
      return { kind: 'ok' };
    } catch (error) {
      if (error instanceof GraphError) {
        if (ACCESS_REFUSED.has(error.status)) return { kind: 'refused', error };
        if ('directoryId' in row && error.status === 404 && error.graphCode === RESOURCE_GONE) {
          return { kind: 'refused', error };
        }
        return { kind: 'transient', status: error.status, reason: error.graphCode };
      }
      if (error instanceof HttpRequestError) return { kind: 'transient', status: null, reason: error.failure };
      throw error;
    }
  }

  /**
   * Graph refused a good token, or no longer finds the installation's bound resource:
   * `access_lost`, with Graph's code, a remediation and the action link.
   */
  private async accessLost(ref: CredentialRef, row: Row, error: GraphError): Promise<ProbeResult> {
    const remediation =
      ref.kind === 'connection'
        ? `Microsoft Graph refuses this user's freshly issued token (HTTP ${error.status}, ${error.graphCode}): ask the user to connect again from your app.`
        : error.status === 404
          ? `Microsoft Graph no longer finds the drive or site this installation is bound to (HTTP 404, ${error.graphCode}): it was deleted or is hidden from the app. Ask an admin of the customer's directory to restore it, or to install again and choose another resource.`
          : `Microsoft Graph refuses the app access to the drive or site this installation is bound to (HTTP ${error.status}, ${error.graphCode}): ask an admin of the customer's directory to install again and choose a resource the app may use.`;
    const action = await this.refresh.actionFor(ref, row, 'access_lost');
    const version = await this.writer.failed(ref.kind, row, {
      status: 'access_lost',
      aadsts: null,
      error: error.graphCode,
      remediation,
      failureCount: row.failureCount,
      // Refreshes go on: the tokens work, only Graph refuses what they are for.
      refreshAt: row.refreshAt,
      traceId: null,
      correlationId: error.requestId !== undefined && GUID.test(error.requestId) ? error.requestId : null,
      claims: null,
      action: action?.type ?? null,
      actionUrl: action?.url ?? null,
    });
    if (version === null) return 'lost';
    if (action !== null) this.links.remember(ref.projectId, row.id, version, action);
    this.logger.warn(
      { credentialId: row.id, kind: ref.kind, graphStatus: error.status, graphCode: error.graphCode },
      'Health probe: Graph refuses the credential',
    );
    return 'access_lost';
  }

  private async find(ref: CredentialRef): Promise<Row | null> {
    try {
      return ref.kind === 'installation'
        ? await this.installations.find(ref.projectId, ref.id)
        : await this.connections.find(ref.projectId, ref.id);
    } catch (error) {
      if (error instanceof Error && 'status' in error && (error as { status: unknown }).status === 404) return null;
      throw error;
    }
  }
}
