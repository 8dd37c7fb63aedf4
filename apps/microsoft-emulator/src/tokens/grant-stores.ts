import { createHash, randomBytes } from 'node:crypto';
import type { CloudName } from '../directory/directory.types';

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const REFRESH_TOKEN_INACTIVITY_MS = 90 * 24 * 3600 * 1000;
const MAX_ENTRIES = 200_000;
/** Random bytes in a refresh token (128 base64url characters after the `1.A` prefix). */
const REFRESH_TOKEN_BYTES = 96;
/** Refresh tokens kept: room for a 100,000-user benchmark seed plus the tokens its run rotates. */
const MAX_REFRESH_TOKENS = 400_000;

/** What a delegated grant carries from sign-in to every token it yields. */
export interface DelegatedGrant {
  tenantId: string;
  userId: string;
  clientId: string;
  /** Scopes as the client asked for them (resource-qualified or not), without OIDC scopes. */
  resourceScopes: string[];
  /** Granted OIDC scopes (openid, profile, email, offline_access). */
  oidcScopes: string[];
  graphCloud: CloudName;
  /** The sign-in satisfied MFA, so a later MFA requirement does not stop refresh. */
  mfa: boolean;
  /** When the user last signed in interactively; refresh keeps it, so sign-in frequency (AADSTS70043) can count from it. */
  authTime: Date;
}

export interface AuthorizationCodeRecord extends DelegatedGrant {
  redirectUri: string;
  codeChallenge: string | null;
  nonce: string | null;
  issuedAt: Date;
  redeemedAt: Date | null;
}

export interface RefreshTokenRecord extends DelegatedGrant {
  issuedAt: Date;
  /** When this token was redeemed for a successor; Microsoft keeps it valid, strict rotation refuses it. */
  rotatedAt: Date | null;
}

/** `microsoft`: a redeemed refresh token stays valid (the documented default); `strict`: only the newest one works. */
export type RotationMode = 'microsoft' | 'strict';

// Only hashes are kept as keys, so a dump of the emulator's memory shows no usable grant.
const keyOf = (value: string): string => createHash('sha256').update(value).digest('base64url');

/** Deletes the oldest entries of a Map once it grows past a bound (Maps iterate in insertion order). */
function bound<V>(map: Map<string, V>, max = MAX_ENTRIES): void {
  if (map.size <= max) return;
  let excess = map.size - max;
  for (const key of map.keys()) {
    if (excess-- <= 0) break;
    map.delete(key);
  }
}

/**
 * Authorization codes: single use, about ten minutes.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response
 */
export class AuthorizationCodeStore {
  private readonly codes = new Map<string, AuthorizationCodeRecord>();

  issue(record: Omit<AuthorizationCodeRecord, 'redeemedAt'>): string {
    const code = `1.A${randomBytes(48).toString('base64url')}`;
    this.codes.set(keyOf(code), { ...record, redeemedAt: null });
    bound(this.codes);
    return code;
  }

  find(code: string): AuthorizationCodeRecord | undefined {
    return this.codes.get(keyOf(code));
  }

  isExpired(record: AuthorizationCodeRecord, now: Date): boolean {
    return now.getTime() - record.issuedAt.getTime() > CODE_LIFETIME_MS;
  }

  clear(): void {
    this.codes.clear();
  }
}

/**
 * Refresh tokens: every use returns a new one while the old stays valid; each dies after 90 days
 * without use. https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens#token-lifetime
 * Under the `strict` rotation fault a token that already has a successor is refused instead.
 */
export class RefreshTokenStore {
  private readonly tokens = new Map<string, RefreshTokenRecord>();
  rotation: RotationMode = 'microsoft';

  issue(grant: DelegatedGrant, now: Date): string {
    const token = `1.A${randomBytes(REFRESH_TOKEN_BYTES).toString('base64url')}`;
    this.tokens.set(keyOf(token), { ...grant, issuedAt: now, rotatedAt: null });
    bound(this.tokens, MAX_REFRESH_TOKENS);
    return token;
  }

  /**
   * One refresh token per grant, for a benchmark seed: O(n), the bound applied once at the end.
   * The grants may share their scope arrays (nothing mutates them), which keeps a large seed small.
   */
  issueMany(grants: readonly DelegatedGrant[], now: Date): string[] {
    // One draw of random bytes for the whole batch: per-token draws cost more than the rest of the work.
    const random = randomBytes(REFRESH_TOKEN_BYTES * grants.length);
    const tokens = grants.map((grant, i) => {
      const body = random.subarray(i * REFRESH_TOKEN_BYTES, (i + 1) * REFRESH_TOKEN_BYTES).toString('base64url');
      const token = `1.A${body}`;
      this.tokens.set(keyOf(token), { ...grant, issuedAt: now, rotatedAt: null });
      return token;
    });
    bound(this.tokens, MAX_REFRESH_TOKENS);
    return tokens;
  }

  find(token: string): RefreshTokenRecord | undefined {
    return this.tokens.get(keyOf(token));
  }

  isInactive(record: RefreshTokenRecord, now: Date): boolean {
    return now.getTime() - record.issuedAt.getTime() > REFRESH_TOKEN_INACTIVITY_MS;
  }

  /** Whether the rotation mode refuses this token because a successor was issued for it. */
  isSuperseded(record: RefreshTokenRecord): boolean {
    return this.rotation === 'strict' && record.rotatedAt !== null;
  }

  clear(): void {
    this.tokens.clear();
    this.rotation = 'microsoft';
  }
}

/**
 * jti values of client assertions while they are valid. msal-node reuses one signed assertion
 * for up to ten minutes (ClientAssertion.getJwt), so Entra accepts the *same* assertion again;
 * what is refused is a jti reused in a *different* assertion, which only a forger would send.
 */
export class AssertionReplayCache {
  private readonly seen = new Map<string, { digest: string; expiresAt: number }>();

  /** Records a jti; false when this client used it in another assertion that has not expired. */
  remember(clientId: string, jti: string, assertion: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    const key = `${clientId}|${jti}`;
    const digest = keyOf(assertion);
    const previous = this.seen.get(key);
    if (previous !== undefined && previous.expiresAt > nowSeconds && previous.digest !== digest) return false;
    this.seen.set(key, { digest, expiresAt: expiresAtSeconds });
    bound(this.seen);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }
}
