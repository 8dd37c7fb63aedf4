/**
 * When each layer renews a credential. The thresholds are ordered so that no layer refreshes a
 * token another layer has just refreshed:
 *
 *   SDK_CACHE_MARGIN_MS  <  VAULT_NEAR_EXPIRY_MS  <  SCHEDULER_MIN_LEAD_MS (and the scheduler's lead)
 *
 * - The scheduler renews every token with about 20% of its lifetime left (at least
 *   {@link SCHEDULER_MIN_LEAD_MS}), so a token the vault serves normally has more than
 *   {@link VAULT_NEAR_EXPIRY_MS} left and getCredential never refreshes on demand.
 * - getCredential refreshes on demand only a token with less than {@link VAULT_NEAR_EXPIRY_MS}
 *   left (the scheduler fell behind), and serves tokens with at least that long left.
 * - An SDK keeps a served token until {@link SDK_CACHE_MARGIN_MS} before it expires, which is
 *   after the vault would already hand out a renewed one: the SDK asks, the vault answers from
 *   its cache, nobody calls Microsoft.
 */

/** An SDK drops a cached credential this long before it expires (5 minutes). */
export const SDK_CACHE_MARGIN_MS = 5 * 60_000;

/**
 * The vault refreshes on demand a token with less than this left when getCredential asks for
 * it, and its per-replica cache drops a served token this long before it expires (10 minutes).
 */
export const VAULT_NEAR_EXPIRY_MS = 10 * 60_000;

/** The scheduler refreshes a token when this fraction of its lifetime is left (≈ 80% used). */
export const SCHEDULER_LEAD_FRACTION = 0.2;

/** Up to this fraction of the lifetime is taken off at random, so a batch of tokens spreads out. */
export const SCHEDULER_JITTER_FRACTION = 0.05;

/**
 * The scheduler's lead (before jitter) is never shorter than this (12 minutes, 20% of Microsoft's
 * usual one-hour token), whatever the token's lifetime, so it always renews before getCredential
 * would (see {@link VAULT_NEAR_EXPIRY_MS}).
 */
export const SCHEDULER_MIN_LEAD_MS = 12 * 60_000;

/** Refresh at least this often even when unused: Microsoft's refresh tokens die after ~90 idle days. */
export const KEEP_ALIVE_MS = 14 * 24 * 3600_000;

/**
 * A forced refresh (getCredential's `forceRefresh`) is honoured at most once per credential in
 * this interval; a caller asking again sooner gets the token just issued.
 */
export const FORCED_REFRESH_INTERVAL_MS = 30_000;

/**
 * How long before the token's expiry the scheduler should renew it, for a token issued at `now`
 * that expires at `expiresAtMs`, given a jitter draw `unit` in [0, 1). Never in the past.
 */
export function schedulerRefreshAt(now: number, expiresAtMs: number, unit: number): number {
  const lifetime = Math.max(0, expiresAtMs - now);
  const lead =
    Math.max(SCHEDULER_MIN_LEAD_MS, lifetime * SCHEDULER_LEAD_FRACTION) + lifetime * SCHEDULER_JITTER_FRACTION * unit;
  return Math.max(now, expiresAtMs - lead);
}
