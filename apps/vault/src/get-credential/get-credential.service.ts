import type { CredentialErrorCode } from '@authpipe/contract';
import { Inject, Injectable } from '@nestjs/common';
import { resolveCloud, type CloudName, type MicrosoftFailure } from '@authpipe/microsoft';
import { LRUCache } from 'lru-cache';
import { InvalidationBus } from '../bus/invalidation-bus';
import { CLOCK, type Clock } from '../common/clock';
import { ApiError } from '../common/api-error';
import type { TenantExternalId } from '../common/tenant-ids';
import { CredentialReader, type CredentialSubject, type ReadCredential } from '../credentials/credential-reader';
import type { CredentialRef } from '../credentials/credential-state.repository';
import { RefreshService, type RefreshOutcome } from '../refresh/refresh.service';
import { LEASE_MS, NEAR_EXPIRY_MS } from '../refresh/refresh-timing';
import { ActionLinks, type CredentialAction } from '../refresh/action-links';
import { CredentialReadAudit } from './credential-read-audit';
import { ServedCredentialCache, type CredentialLookup } from './served-credential-cache';

/** The answer of getCredential. Holds the access token: never log it. */
export interface ServedCredential {
  credential: string;
  tokenType: 'Bearer';
  expiresAt: string;
  scopes: string[];
  credentialId: string;
  credentialFor: 'installation' | 'user';
  /** The app's cloud (`global`, `usgov-l4`, `usgov-l5`, `china` or `custom`). */
  cloud: string;
  /** Where to call Graph with the credential: `https://graph.microsoft.com/v1.0` or the cloud's own. */
  graphBaseUrl: string;
  account: { oid: string; tid: string; upn: string | null } | null;
  resource: { kind: string; driveId: string | null; siteId: string | null; webUrl: string | null } | null;
  /** `active`, or `degraded` while Microsoft fails transiently and the stored token is still valid. */
  status: string;
}

/** Why no credential can be served; the controller answers it with the catalog's status. */
export class CredentialRefused extends Error {
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
    readonly extra: {
      remediation?: string;
      details?: {
        credentialId: string;
        status: string;
        aadsts: number | null;
        error: string | null;
        action?: CredentialAction;
      };
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = 'CredentialRefused';
  }

  /** The API error it is answered with (getCredential's route and the Graph proxy alike). */
  toApiError(): ApiError {
    const { remediation, details, retryAfterSeconds } = this.extra;
    return new ApiError(this.code, this.message, { remediation, details, retryAfterSeconds });
  }
}

/** Who asks: the project and the API key it authenticated with (the read audit names the key). */
export interface CredentialCaller {
  projectId: string;
  apiKeyId: string;
}

export interface CredentialRequest {
  provider: string;
  tenantExternalId: TenantExternalId;
  subject: CredentialSubject;
  forceRefresh: boolean;
}

function lookupOf(caller: CredentialCaller, request: CredentialRequest): CredentialLookup {
  return {
    projectId: caller.projectId,
    provider: request.provider,
    tenantExternalId: request.tenantExternalId,
    credentialFor: request.subject.credentialFor,
    // One shape whatever the kind (no spread): it is made on every read, warm ones included.
    userId: request.subject.credentialFor === 'user' ? request.subject.userId : undefined,
  };
}

/** A served token has at least this long left; with less, no Graph call could be made with it. */
export const MIN_SERVED_LIFETIME_MS = 60_000;
/** How long a read waits for another replica's refresh of the same credential (its lease) to land. */
const WAIT_FOR_OTHER_REPLICA_MS = 10_000;
/** After a failed on-demand attempt, the next one for the credential on this replica waits this long. */
export const ON_DEMAND_RETRY_MS = 30_000;

/** Credential statuses that block serving, with the error each is answered with. */
const BLOCKING = {
  needs_reauth: 'needs_reauth',
  revoked: 'revoked',
  access_lost: 'access_lost',
  misconfigured: 'app_misconfigured',
} as const;
type BlockingStatus = keyof typeof BLOCKING;

const REMEDIATION: Record<(typeof BLOCKING)[BlockingStatus], string> = {
  needs_reauth: 'The user must sign in again: send them to the link in details.action.url (a new connect session).',
  revoked:
    "Access was withdrawn in the customer's directory: an admin there (or the user) must consent again through the link in details.action.url.",
  access_lost:
    'The token works but Graph refuses the bound drive or site: install again through the link in details.action.url and choose one it can reach.',
  app_misconfigured: 'Fix the app credential (PATCH /v1/apps/{id}), then run POST /v1/apps/{id}/check.',
};

const admitAll = () => true;

/**
 * getCredential: a valid access token for a tenant's installation or one of its users'
 * connections, answered from the served-credential cache when warm, else read in one statement
 * and decrypted; refreshed on demand through the shared RefreshService when inside the
 * near-expiry window (single-flight here, the row lease across replicas); refused with a stable
 * code, a remediation and an action link when someone must act. Never an expired token.
 */
@Injectable()
export class GetCredentialService {
  /** Credential id → when its last on-demand attempt failed on this replica (bounds attempts in an outage). */
  private readonly failedAttempts = new LRUCache<string, { at: number; retryAfterMs: number }>({ max: 100_000 });

  constructor(
    private readonly reader: CredentialReader,
    private readonly refresh: RefreshService,
    private readonly cache: ServedCredentialCache<ServedCredential>,
    private readonly audit: CredentialReadAudit,
    private readonly links: ActionLinks,
    private readonly bus: InvalidationBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * The served-credential cache's answer (audited as a read), or undefined when {@link get} must
   * read (a miss, or `forceRefresh`). Synchronous: no database, nothing logged.
   */
  cached(caller: CredentialCaller, request: CredentialRequest): ServedCredential | undefined {
    return this.cachedIf(caller, request, admitAll);
  }

  /**
   * {@link cached}, answered only if `admit` (asked once there is a hit, before the read is
   * audited) lets it: the warm lane counts the per-key limit there, so that a miss, which it
   * leaves to Fastify, is not counted twice. `now`: the clock's, when the caller read it already
   * (on this kind of VM each reading costs about 65 ns).
   */
  cachedIf(
    caller: CredentialCaller,
    request: CredentialRequest,
    admit: () => boolean,
    now = this.clock(),
  ): ServedCredential | undefined {
    if (request.forceRefresh) return undefined;
    // The same `now` for the entry's freshness and the audit's minute.
    const hit = this.cache.get(lookupOf(caller, request), now);
    if (hit === undefined || !admit()) return undefined;
    this.audit.record(caller, hit, now);
    return hit.body;
  }

  async get(caller: CredentialCaller, request: CredentialRequest): Promise<ServedCredential> {
    return this.cached(caller, request) ?? this.load(caller, request);
  }

  /**
   * {@link get} past the cache (a caller that just missed it with {@link cached}): read, refresh
   * if due, serve, and cache the answer.
   */
  async load(caller: CredentialCaller, request: CredentialRequest): Promise<ServedCredential> {
    const lookup = lookupOf(caller, request);
    const epoch = this.cache.epoch;
    const read = await this.valid(lookup, request, await this.read(lookup, request));
    const served = serve(read, request.subject.credentialFor);
    this.cache.put(
      lookup,
      { kind: read.kind, id: read.id, tenantRowId: read.tenantRowId, body: served },
      read.expiresAt!.getTime() - NEAR_EXPIRY_MS,
      epoch,
    );
    this.audit.record(caller, read);
    return served;
  }

  private async read(lookup: CredentialLookup, request: CredentialRequest): Promise<ReadCredential> {
    const read = await this.reader.read(lookup.projectId, lookup.tenantExternalId, lookup.provider, request.subject);
    if (read === null) throw notFound(lookup);
    return read;
  }

  /** `read` if it can be served now, else the credential after an on-demand refresh; or the refusal. */
  private async valid(
    lookup: CredentialLookup,
    request: CredentialRequest,
    read: ReadCredential,
  ): Promise<ReadCredential> {
    await this.refuseIfBlocked(lookup, read);
    const now = this.clock();
    const stale =
      read.tokens === null ||
      read.expiresAt === null ||
      read.expiresAt.getTime() - now <= NEAR_EXPIRY_MS ||
      flaggedWithFixedApp(read);
    if (!stale && !request.forceRefresh) return read;

    const ref: CredentialRef = { kind: read.kind, projectId: lookup.projectId, id: read.id };
    const failedBefore = this.failedAttempts.get(read.id);
    let failure: MicrosoftFailure | null = null;
    if (failedBefore === undefined || now - failedBefore.at >= failedBefore.retryAfterMs) {
      const outcome = await this.attempt(ref, request.forceRefresh && !stale ? 'forced' : 'on_demand');
      if (outcome.result === 'gone') throw notFound(lookup);
      if (outcome.result === 'failed') {
        failure = outcome.failure;
        this.failedAttempts.set(read.id, {
          at: now,
          retryAfterMs: Math.max(ON_DEMAND_RETRY_MS, (failure.retryAfterSeconds ?? 0) * 1000),
        });
      } else {
        this.failedAttempts.delete(read.id);
      }
    }
    const after = await this.read(lookup, request);
    await this.refuseIfBlocked(lookup, after);
    if (servable(after, this.clock())) return after;
    throw this.unavailable(after, failure);
  }

  /**
   * One on-demand refresh through the shared service. When another replica holds the lease, waits
   * (bounded) for its outcome to commit, which the bus announces as `credential.changed`.
   */
  private async attempt(ref: CredentialRef, reason: 'on_demand' | 'forced'): Promise<RefreshOutcome> {
    const outcome = await this.refresh.refresh(ref, reason);
    if (outcome.result !== 'busy') return outcome;
    await this.changeOf(ref.id, Math.min(WAIT_FOR_OTHER_REPLICA_MS, LEASE_MS));
    return outcome;
  }

  /** Resolves when the bus says the credential changed, or after `timeoutMs` of real time. */
  private changeOf(id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop();
        resolve();
      };
      const stop = this.bus.subscribe('credential.changed', (message) => {
        if (message.id === id) done();
      });
      const timer = setTimeout(done, timeoutMs);
    });
  }

  private async refuseIfBlocked(lookup: CredentialLookup, read: ReadCredential): Promise<void> {
    // The app's own credential failing blocks every credential of it, whatever their rows say.
    const status = read.appStatus === 'misconfigured' ? 'misconfigured' : read.status;
    if (!(status in BLOCKING)) return;
    // Flagged with its app, which has since been fixed: the refresh proves the new app credential.
    if (flaggedWithFixedApp(read)) return;
    const code = BLOCKING[status as BlockingStatus];
    const action = await this.links.forBlocked(lookup.projectId, lookup, read, code);
    throw new CredentialRefused(code, messageFor(code, read), {
      remediation: read.statusRemediation ?? REMEDIATION[code],
      details: {
        credentialId: read.id,
        status,
        aadsts: read.statusAadsts,
        error: read.statusError,
        action,
      },
    });
  }

  private unavailable(read: ReadCredential, failure: MicrosoftFailure | null): CredentialRefused {
    const now = this.clock();
    const last = this.failedAttempts.get(read.id);
    const retryAfterMs = last ? Math.max(1000, last.at + last.retryAfterMs - now) : ON_DEMAND_RETRY_MS;
    return new CredentialRefused(
      'provider_unavailable',
      'Microsoft cannot be reached to renew this credential, and its stored token has expired.',
      {
        remediation: `Retry after ${Math.ceil(retryAfterMs / 1000)} seconds; the credential itself is fine.`,
        details: {
          credentialId: read.id,
          status: read.status,
          aadsts: failure?.aadsts ?? read.statusAadsts,
          error: failure?.error ?? read.statusError,
        },
        retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
      },
    );
  }
}

function flaggedWithFixedApp(read: ReadCredential): boolean {
  return read.status === 'misconfigured' && read.statusAction === 'fix_app' && read.appStatus !== 'misconfigured';
}

function servable(read: ReadCredential, now: number): boolean {
  return read.tokens !== null && read.expiresAt !== null && read.expiresAt.getTime() - now > MIN_SERVED_LIFETIME_MS;
}

function notFound(lookup: CredentialLookup): CredentialRefused {
  const whose =
    lookup.credentialFor === 'installation'
      ? `an installation of ${lookup.provider} for tenant ${lookup.tenantExternalId}`
      : `a connection of ${lookup.provider} for user ${lookup.userId} of tenant ${lookup.tenantExternalId}`;
  return new CredentialRefused('credential_not_found', `There is no ${whose}.`, {
    remediation:
      lookup.credentialFor === 'installation'
        ? 'Mint a connect session (POST /v1/connect-sessions, credentialFor installation) and let an admin of the tenant install.'
        : 'Mint a connect session (POST /v1/connect-sessions, credentialFor user) and let the user connect.',
  });
}

function messageFor(code: (typeof BLOCKING)[BlockingStatus], read: ReadCredential): string {
  const what = read.kind === 'installation' ? 'installation' : 'connection';
  switch (code) {
    case 'needs_reauth':
      return `The ${what} ${read.id} needs a new sign-in before a token can be issued.`;
    case 'revoked':
      return `Access of the ${what} ${read.id} was withdrawn in the customer's directory.`;
    case 'access_lost':
      return `The ${what} ${read.id} can no longer reach its bound drive or site.`;
    case 'app_misconfigured':
      return `The app ${read.appId} of the ${what} ${read.id} is misconfigured: Microsoft refuses its credential.`;
  }
}

const graphApiUrls = new Map<string, string>();

/** The Graph API base of the credential's cloud. */
function graphBaseUrlOf(read: Pick<ReadCredential, 'cloud' | 'graphUrl'>): string {
  if (read.cloud === 'custom') return `${read.graphUrl}/v1.0`;
  let url = graphApiUrls.get(read.cloud);
  if (url === undefined) {
    url = resolveCloud({ name: read.cloud as CloudName }).graphApiUrl;
    graphApiUrls.set(read.cloud, url);
  }
  return url;
}

function serve(read: ReadCredential, credentialFor: 'installation' | 'user'): ServedCredential {
  return {
    credential: read.tokens!.accessToken,
    tokenType: 'Bearer',
    expiresAt: read.expiresAt!.toISOString(),
    scopes: read.tokens!.scopes.length > 0 ? read.tokens!.scopes : read.scopes,
    credentialId: read.id,
    credentialFor,
    cloud: read.cloud,
    graphBaseUrl: graphBaseUrlOf(read),
    account: read.account,
    resource: read.resource,
    status: read.status,
  };
}
