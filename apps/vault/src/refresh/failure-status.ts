import type { MicrosoftFailure } from '@authpipe/microsoft';
import type { CredentialStatus } from '../credentials/credential-records';

/** What a failed refresh means for the credential: its status, and whether trying again can help. */
export interface FailureStatus {
  status: CredentialStatus;
  retry: boolean;
  /** The failure is the project's own app credential: the whole app is marked, all its credentials flagged. */
  flagsApp: boolean;
}

/**
 * The status a refresh failure leaves a credential in (the refresh issue's meanings):
 * - transient (5xx, 429, timeouts, AADSTS50033, 90055…) and unknown failures degrade it and are
 *   retried with backoff and jitter — a transient failure never marks a credential dead;
 * - `needs_reauth`: the user must sign in again (50173, 70008, 700082, 70043, 50076/50079, a
 *   claims challenge);
 * - `revoked`: access withdrawn in that customer's directory (65001, user disabled or deleted,
 *   700016/90002 there); a declined or admin-only consent met by a refresh counts as this too;
 * - `access_lost`: Graph refuses the bound resource though the tokens work;
 * - `misconfigured`: the app registration or its credential. Only a bad app credential
 *   (`fix_app_credentials`: 7000215, 7000222, 700027…) flags the whole app; a failure in one
 *   customer's directory affects that credential alone.
 * Only transient failures are retried: one that needs a person stops until they act.
 */
export function statusForFailure(failure: MicrosoftFailure): FailureStatus {
  switch (failure.kind) {
    case 'transient':
    case 'unknown':
      return { status: 'degraded', retry: true, flagsApp: false };
    case 'needs_reauth':
      return { status: 'needs_reauth', retry: false, flagsApp: false };
    case 'revoked':
    case 'consent_required':
      return { status: 'revoked', retry: false, flagsApp: false };
    case 'access_lost':
      return { status: 'access_lost', retry: false, flagsApp: false };
    case 'misconfigured':
      return { status: 'misconfigured', retry: false, flagsApp: failure.action === 'fix_app_credentials' };
  }
}

/** Statuses a credential cannot leave without someone acting: never retried by the scheduler. */
export const BLOCKED_STATUSES: readonly CredentialStatus[] = [
  'needs_reauth',
  'revoked',
  'access_lost',
  'misconfigured',
];
