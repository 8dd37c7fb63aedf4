import { VAULT_NEAR_EXPIRY_MS } from '@authpipe/contract';
import type { Random } from '../common/random';
import { jitterUnit } from '../common/refresh-at';

// The next refresh date of a token set, shared with the connect flows (a new credential's first).
export { refreshAtFor } from '../common/refresh-at';

// The thresholds every layer shares (SDK cache margin < vault near-expiry < scheduler lead) live
// in @authpipe/contract, so no layer refreshes what another has just refreshed.
export {
  FORCED_REFRESH_INTERVAL_MS,
  KEEP_ALIVE_MS,
  SCHEDULER_JITTER_FRACTION,
  SCHEDULER_LEAD_FRACTION,
  SCHEDULER_MIN_LEAD_MS,
} from '@authpipe/contract';

/** A token with less than this left is refreshed when asked for (getCredential): the contract's. */
export const NEAR_EXPIRY_MS = VAULT_NEAR_EXPIRY_MS;

/** Microsoft's refresh-token inactivity limit (AADSTS700082 past it). */
export const INACTIVITY_LIMIT_MS = 90 * 24 * 3600_000;
/**
 * `credential.expiring` is sent when a connection's refresh token has this long left before the
 * inactivity limit: keep-alive has then failed to renew it for weeks (it runs every two weeks).
 */
export const INACTIVITY_WARNING_MS = 14 * 24 * 3600_000;
/** Days before an app's client secret or certificate expires at which `app.credential_expiring` is sent, once each. */
export const APP_CREDENTIAL_WARNING_DAYS = [30, 7, 1] as const;
/** How long a replica may hold a credential's refresh before another may take it over. */
export const LEASE_MS = 60_000;

const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 3600_000;

/**
 * When to try again after `failures` consecutive transient failures: exponential from 30 s,
 * capped at an hour, with ±20% jitter so replicas and credentials do not retry in step; never
 * sooner than Microsoft's Retry-After.
 */
export function retryAtFor(now: number, failures: number, random: Random, retryAfterSeconds?: number): Date {
  const exponential = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  const jittered = exponential * (0.8 + 0.4 * jitterUnit(random));
  return new Date(now + Math.max(jittered, (retryAfterSeconds ?? 0) * 1000));
}

/** A health probe's claim on a credential (its `probe_at` moved this far ahead while it runs). */
export const PROBE_LEASE_MS = 5 * 60_000;
/** After a transient failure (or a busy credential) the probe is tried again this much later. */
export const PROBE_RETRY_MS = 15 * 60_000;

/** When a credential probed at `now` is probed next: `intervalMs` ±10% at random, so probes stay spread. */
export function nextProbeAt(now: number, intervalMs: number, random: Random): Date {
  return new Date(now + intervalMs * (0.9 + 0.2 * jitterUnit(random)));
}
