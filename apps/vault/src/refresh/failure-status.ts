import type { MicrosoftFailure } from '@authpipe/microsoft';
import type { CredentialStatus } from '../credentials/credential-records';

/** What a failed refresh means for the credential: its status, and whether trying again can help. */
export interface FailureStatus {
  status: CredentialStatus;
  retry: boolean;
}

/**
 * The status a refresh failure leaves a credential in (the health model): transient failures
 * (5xx, 429, timeouts, unknown) degrade it and are retried with backoff — never marked dead by
 * them; the user must sign in again (`needs_reauth`); access was withdrawn in the customer's
 * directory (`revoked`, consent removed included); the project's own app credential is bad
 * (`misconfigured`). Only transient failures are retried.
 */
export function statusForFailure(failure: MicrosoftFailure): FailureStatus {
  switch (failure.kind) {
    case 'transient':
    case 'unknown':
      return { status: 'degraded', retry: true };
    case 'needs_reauth':
      return { status: 'needs_reauth', retry: false };
    case 'revoked':
    case 'consent_required':
      return { status: 'revoked', retry: false };
    case 'misconfigured':
      return { status: 'misconfigured', retry: false };
  }
}
