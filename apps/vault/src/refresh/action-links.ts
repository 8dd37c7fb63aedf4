import { Inject, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { CLOCK, type Clock } from '../common/clock';
import type { TenantExternalId } from '../common/tenant-ids';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { MAX_SESSION_SECONDS, type ResourceSpec } from '../connect/sessions/connect-session.dto';
import { ConnectSessionsService } from '../connect/sessions/connect-sessions.service';
import type { ReadCredential } from '../credentials/credential-reader';

/** What someone must do before the credential can be served again, with where to do it. */
export interface CredentialAction {
  /**
   * `reauthorize`: the user signs in again (a connect session for the same tenant and user);
   * `reconsent`: an admin of the customer's directory consents again (an installation session);
   * `fix_app`: the project's developers fix the app's credential (no link: it is their API).
   */
  type: 'reauthorize' | 'reconsent' | 'fix_app';
  /** The connect URL to open (a connect session's), when the action is someone's sign-in. */
  url?: string;
  /** When `url` stops working. */
  expiresAt?: string;
  /** `fix_app`: the app to fix. */
  appId?: string;
}

/** Why a credential is blocked, as getCredential answers it. */
export type BlockedCode = 'needs_reauth' | 'revoked' | 'access_lost' | 'app_misconfigured';

/** The blocked code of a credential status, or null when the status does not block. */
export function blockedCodeOf(status: string): BlockedCode | null {
  switch (status) {
    case 'needs_reauth':
    case 'revoked':
    case 'access_lost':
      return status;
    case 'misconfigured':
      return 'app_misconfigured';
    default:
      return null;
  }
}

/** A link is handed out until this long before its session expires, then a new one is minted. */
const REUSE_MARGIN_MS = 5 * 60_000;

/**
 * The action links of blocked credentials (needs_reauth, revoked, access_lost), recorded with a
 * status change by the refresh and handed out by getCredential's refusals: a connect session
 * minted for the credential's tenant (and user), its URL the link (a user's sign-in then carries
 * the claims of a claims challenge the connection recorded). One session per credential version
 * and replica, reused while it has time left, so a backend polling a blocked credential does not
 * mint a session per request. A misconfigured app's link is the app's settings.
 */
@Injectable()
export class ActionLinks {
  private readonly logger = new Logger('ActionLinks');
  private readonly links = new LRUCache<string, { action: CredentialAction; until: number }>({ max: 10_000 });

  constructor(
    private readonly sessions: ConnectSessionsService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Hands out `action` for the credential at `version` (the refresh recorded it with that version). */
  remember(projectId: string, credentialId: string, version: number, action: CredentialAction): void {
    if (action.expiresAt === undefined) return;
    this.links.set(`${projectId}\u0000${credentialId}\u0000${version}`, {
      action,
      until: Date.parse(action.expiresAt) - REUSE_MARGIN_MS,
    });
  }

  async forBlocked(
    projectId: string,
    lookup: { provider: string; tenantExternalId: TenantExternalId; userId?: string },
    credential: Pick<ReadCredential, 'kind' | 'id' | 'version' | 'appId' | 'status' | 'resource'>,
    blocked: BlockedCode,
  ): Promise<CredentialAction> {
    if (blocked === 'app_misconfigured') {
      return { type: 'fix_app', appId: credential.appId, url: `${this.config.publicUrl}/v1/apps/${credential.appId}` };
    }
    const key = `${projectId}\u0000${credential.id}\u0000${credential.version}`;
    const cached = this.links.get(key);
    if (cached !== undefined && cached.until > this.clock()) return cached.action;
    const installation = credential.kind === 'installation';
    const body = {
      tenantId: lookup.tenantExternalId,
      provider: lookup.provider,
      appId: credential.appId,
      credentialFor: installation ? 'installation' : 'user',
      ...(installation ? {} : { userId: lookup.userId }),
      // A lost resource is chosen anew; otherwise the admin consents for the same one.
      ...(installation && blocked !== 'access_lost' ? resourceOf(credential.resource) : {}),
      mode: 'popup',
      expiresInSeconds: MAX_SESSION_SECONDS,
    };
    const type = installation ? 'reconsent' : 'reauthorize';
    try {
      const session = await this.sessions.create(projectId, body, { asLink: true });
      const action: CredentialAction = { type, url: session.url, expiresAt: session.expiresAt };
      this.links.set(key, { action, until: Date.parse(session.expiresAt) - REUSE_MARGIN_MS });
      return action;
    } catch (error) {
      // The refusal still answers (its code and remediation say what to do); the link is a help.
      this.logger.warn({ err: error, credentialId: credential.id }, 'No re-authorization link could be made');
      return { type };
    }
  }
}

/** The resource an installation is bound to, as a connect session names it. */
function resourceOf(resource: ReadCredential['resource']): { resource?: ResourceSpec } {
  if (resource === null) return {};
  if (resource.kind === 'site' && resource.webUrl) return { resource: { kind: 'site', url: resource.webUrl } };
  // A user's OneDrive is bound by its drive id as well: the same drive, whoever's UPN changed.
  if (resource.driveId) return { resource: { kind: 'drive', driveId: resource.driveId } };
  return {};
}
