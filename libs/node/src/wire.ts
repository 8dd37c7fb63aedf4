// The wire facts the SDK shares with the vault: timing thresholds and the error catalog's codes.
// They move to @authpipe/contract when it lands; until then this file is their one home here, so
// switching is a change of this file alone.

/**
 * The vault re-mints a token when a read finds less than this left (apps/vault refresh-timing
 * `NEAR_EXPIRY_MS`); until then it answers with the token it already has.
 */
export const VAULT_NEAR_EXPIRY_MS = 5 * 60_000;

/**
 * The SDK's cache answers without any request while a token has more than this left, and starts
 * one background refresh per key once it has less. Equal to the vault's near-expiry window, so
 * the background request lands where the vault renews the token instead of handing back the same
 * one.
 */
export const SDK_REFRESH_AHEAD_MS = VAULT_NEAR_EXPIRY_MS;

/**
 * Below this much left the cached token is no longer handed out: the call waits for the vault.
 * Smaller than the vault's near-expiry window (which the background refresh had to cover) and
 * larger than the vault's own minimum served lifetime (60 s), so a token from the cache always
 * leaves time for the Graph call made with it.
 */
export const SDK_MIN_REMAINING_MS = 2 * 60_000;

/**
 * After a background refresh brought back the same token (the vault's clock says it is not near
 * expiry yet), the next one for that key waits this long, so clock skew cannot turn every read
 * into a request.
 */
export const SDK_REVALIDATE_COOLDOWN_MS = 15_000;

/** Codes of getCredential's refusals, with the HTTP status the vault answers each with. */
export const CREDENTIAL_REFUSALS = {
  credential_not_found: 404,
  needs_reauth: 409,
  revoked: 409,
  access_lost: 409,
  app_misconfigured: 409,
  provider_unavailable: 503,
} as const;

/** A code of getCredential's refusals. */
export type CredentialRefusalCode = keyof typeof CREDENTIAL_REFUSALS;

/**
 * Stable error codes of the vault's public API (apps/vault/src/common/api-error.ts). Clients
 * switch on these; a code is never renamed or reused. Unknown codes still reach the caller, as
 * an {@link AuthpipeError} with the code as sent.
 */
export type KnownErrorCode =
  | CredentialRefusalCode
  | 'invalid_request'
  | 'unauthorized'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'revoked_api_key'
  | 'forbidden'
  | 'not_found'
  | 'provider_not_found'
  | 'tenant_not_found'
  | 'installation_not_found'
  | 'connection_not_found'
  | 'connect_session_not_found'
  | 'app_not_found'
  | 'return_to_not_allowed'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'not_ready'
  | 'internal_error';

/** Body of every vault error response: `{ error: WireErrorBody }`. */
export interface WireErrorBody {
  code: string;
  message: string;
  remediation?: string;
  details?: unknown;
  errorId?: string;
}

/** The header the Graph proxy sets on every reply that comes from Graph (not from the vault). */
export const UPSTREAM_HEADER = 'authpipe-upstream';
/** The proxy's headers naming whose credential a request uses (no user: the installation). */
export const TENANT_HEADER = 'Authpipe-Tenant-Id';
export const USER_HEADER = 'Authpipe-User-Id';
/**
 * Set by the proxy when Graph refused the credential's token (401) and the vault refreshed it to a
 * new one; its value is the credential id. The SDK drops that credential from its cache. The same
 * name as `CREDENTIAL_REFRESHED_HEADER` of @authpipe/contract.
 */
export const CREDENTIAL_REFRESHED_HEADER = 'authpipe-credential-refreshed';
