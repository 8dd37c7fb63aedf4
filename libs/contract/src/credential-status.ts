import { z } from 'zod';

/**
 * The health of a credential (an installation's or a connection's), as every API answer, event
 * and the dashboard name it:
 * - `active`: serving;
 * - `degraded`: Microsoft fails transiently (5xx, 429, timeouts); retried with backoff, the stored
 *   token is served while it lasts;
 * - `needs_reauth`: the user must sign in again;
 * - `revoked`: access was withdrawn in the customer's directory;
 * - `access_lost`: tokens work, Graph refuses the bound resource;
 * - `misconfigured`: the project's own app credential is refused (flags every credential of the app).
 */
export const CREDENTIAL_STATUSES = [
  'active',
  'degraded',
  'needs_reauth',
  'revoked',
  'access_lost',
  'misconfigured',
] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];
export const credentialStatusSchema = z.enum(CREDENTIAL_STATUSES);

/** Statuses under which getCredential serves a token (while it is valid). */
export const SERVING_STATUSES = ['active', 'degraded'] as const satisfies readonly CredentialStatus[];
