import { Injectable } from '@nestjs/common';
import { asTenantRowId, type TenantRowId } from '../../common/tenant-ids';
import { UnitOfWork } from '../../database/unit-of-work';

/** Record type of a state's encrypted PKCE verifier and nonce in `secrets`. */
export const OAUTH_STATE_SECRETS = 'oauth_state';

/**
 * Which step of a flow an OAuth state belongs to: `admin_sign_in` (an installation's admin signs
 * in, at /oauth/callback), `admin_consent` (that admin's consent, at /oauth/admin-consent/callback),
 * `authorize` (a user's sign-in, at /oauth/callback).
 */
export type OAuthStateKind = 'admin_sign_in' | 'admin_consent' | 'authorize';

/** An `oauth_states` row (hashes only; the PKCE verifier and nonce live encrypted in `secrets`). */
export interface OAuthStateRecord {
  id: string;
  projectId: string;
  tenantRowId: TenantRowId;
  sessionId: string;
  kind: OAuthStateKind;
  nonceHash: Buffer | null;
  browserBindingHash: Buffer;
  redirectUri: string;
  /** admin_consent: the directory the admin's verified sign-in proved (lower case). */
  directoryId: string | null;
  /** admin_consent: who signed in (preferred_username). */
  adminUpn: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  /** When a newer start of the same session in the same browser replaced this attempt. */
  supersededAt: Date | null;
  /** The origin of the page that opened the popup, when the start page saw one. */
  openerOrigin: string | null;
  createdAt: Date;
}

export interface OAuthStateWrite {
  id: string;
  sessionId: string;
  stateHash: Buffer;
  kind: OAuthStateKind;
  nonceHash: Buffer | null;
  browserBindingHash: Buffer;
  redirectUri: string;
  directoryId: string | null;
  adminUpn: string | null;
  openerOrigin: string | null;
  expiresAt: Date;
}

const columns = {
  id: true,
  projectId: true,
  tenantId: true,
  sessionId: true,
  kind: true,
  nonceHash: true,
  browserBindingHash: true,
  redirectUri: true,
  directoryId: true,
  adminUpn: true,
  expiresAt: true,
  usedAt: true,
  supersededAt: true,
  openerOrigin: true,
  createdAt: true,
} as const;

type Row = {
  [K in keyof typeof columns]: K extends 'nonceHash'
    ? Uint8Array | null
    : K extends 'browserBindingHash'
      ? Uint8Array
      : K extends 'kind' | 'tenantId'
        ? string
        : K extends keyof OAuthStateRecord
          ? OAuthStateRecord[K]
          : never;
};

function toRecord({ tenantId, ...row }: Row): OAuthStateRecord {
  return {
    ...row,
    tenantRowId: asTenantRowId(tenantId),
    kind: row.kind as OAuthStateKind,
    nonceHash: row.nonceHash ? Buffer.from(row.nonceHash) : null,
    browserBindingHash: Buffer.from(row.browserBindingHash),
  };
}

/**
 * `oauth_states`. The browser presents only the state, so lookups go by its hash; writes take
 * the project and tenant row first like every tenant table.
 */
@Injectable()
export class OAuthStatesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async create(
    projectId: string,
    tenantRowId: TenantRowId,
    data: OAuthStateWrite,
    at: Date,
  ): Promise<OAuthStateRecord> {
    const row = await this.uow.db.oAuthState.create({
      data: {
        ...data,
        stateHash: new Uint8Array(data.stateHash),
        nonceHash: data.nonceHash ? new Uint8Array(data.nonceHash) : null,
        browserBindingHash: new Uint8Array(data.browserBindingHash),
        projectId,
        tenantId: tenantRowId,
        createdAt: at,
      },
      select: columns,
    });
    return toRecord(row);
  }

  /** The state whose value hashes to `stateHash`, whatever its project: the state is the authority. */
  async findByHash(stateHash: Buffer): Promise<OAuthStateRecord | null> {
    const row = await this.uow.db.oAuthState.findUnique({
      where: { stateHash: new Uint8Array(stateHash) },
      select: columns,
    });
    return row ? toRecord(row) : null;
  }

  /**
   * Marks the state used if it is unused and unexpired at `now`: one conditional UPDATE, so of two
   * callbacks racing with the same state exactly one wins.
   */
  async markUsed(projectId: string, id: string, now: Date): Promise<boolean> {
    const { count } = await this.uow.db.oAuthState.updateMany({
      where: { projectId, id, usedAt: null, supersededAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    return count === 1;
  }

  /**
   * Sets aside the live attempts of a session in one browser (unused, not yet superseded), except
   * `keepId`: a newer start replaces them. Conditional like markUsed, so a callback racing this
   * either used its state first (and is left alone) or finds it superseded.
   */
  async supersede(
    projectId: string,
    sessionId: string,
    browserBindingHash: Buffer,
    keepId: string,
    now: Date,
  ): Promise<number> {
    const { count } = await this.uow.db.oAuthState.updateMany({
      where: {
        projectId,
        sessionId,
        browserBindingHash: new Uint8Array(browserBindingHash),
        usedAt: null,
        supersededAt: null,
        id: { not: keepId },
      },
      data: { supersededAt: now },
    });
    return count;
  }

  /**
   * Deletes up to `limit` states that expired before `before`, or whose connect session did (no
   * state may outlive the session it would complete), together with their encrypted verifier and
   * nonce, in one transaction; returns how many states. Rows another replica is purging are
   * skipped (SKIP LOCKED), so replicas share the work instead of waiting on each other.
   */
  async deleteExpired(before: Date, limit: number): Promise<number> {
    return this.uow.run(async () => {
      const rows = await this.uow.db.$queryRaw<{ id: string }[]>`
        SELECT s.id FROM oauth_states s JOIN connect_sessions c ON c.id = s.session_id
        WHERE s.expires_at < ${before} OR c.expires_at < ${before}
        ORDER BY s.id LIMIT ${limit}
        FOR UPDATE OF s SKIP LOCKED`;
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      await this.uow.db.secret.deleteMany({ where: { recordType: OAUTH_STATE_SECRETS, recordId: { in: ids } } });
      const { count } = await this.uow.db.oAuthState.deleteMany({ where: { id: { in: ids } } });
      return count;
    });
  }
}
