// The browser-side protocol of the connect flows: what the last page of a popup posts to the
// window that opened it, and what a redirect-mode flow puts in the returnTo URL's query.
// Self-contained on purpose (zod only, nothing of the vault): it moves unchanged into the shared
// contract package, where the React SDK reads the same schema.
import { z } from 'zod';

/** `type` of every message a flow page posts to its opener. */
export const FLOW_MESSAGE_TYPE = 'authpipe:flow-result';
/** Bumped only on an incompatible change of the message; receivers ignore other versions. */
export const FLOW_PROTOCOL_VERSION = 1;

/** Why a flow ended without a credential: a stable code applications switch on, in plain words. */
export const flowErrorSchema = z.object({
  /** Stable code (`access_denied`, `admin_consent_denied`, `account_mismatch`, ...): never renamed. */
  code: z.string().min(1),
  /** What happened, for the application's developers and logs. */
  message: z.string(),
  /** What to do about it: developer advice lives here, not on the end user's page. */
  remediation: z.string(),
  /** Microsoft's AADSTS error number when Microsoft refused. */
  aadsts: z.number().int().optional(),
});
export type FlowError = z.infer<typeof flowErrorSchema>;

/** The Microsoft account a successful flow stored (a user's, or the consenting admin's). */
export const flowAccountSchema = z.object({
  /** User principal name / email the account signed in with, when Microsoft gave one. */
  upn: z.string().nullable(),
  /** Microsoft directory (tenant) id of the account. */
  tid: z.string().optional(),
});
export type FlowAccount = z.infer<typeof flowAccountSchema>;

const common = {
  type: z.literal(FLOW_MESSAGE_TYPE),
  version: z.literal(FLOW_PROTOCOL_VERSION),
  /**
   * Correlates the message with the flow the opener started: the connect session's id (`id` in
   * the answer of POST /v1/connect-sessions). Several popups of one session share it; only the
   * newest can succeed (see `superseded`).
   */
  correlationId: z.string().min(1),
  provider: z.string().min(1),
  credentialFor: z.enum(['installation', 'user']),
  /** The project's id for the tenant (e.g. `org_acme`). */
  tenantId: z.string().min(1),
  userId: z.string().optional(),
};

/**
 * What a popup's last page posts to `window.opener` (with the opener's origin as target, one of the
 * app's allowed origins; never `*`):
 * - `success`: the installation or connection is stored; its id and account come with it;
 * - `error`: nothing was stored; `error.code` says why;
 * - `superseded`: this window's attempt was replaced by a newer start of the same session in the
 *   same browser (a double click, a retried popup); the newest window carries on, so an opener
 *   ignores it or closes the old window. Nothing was stored and the session is still usable.
 */
export const flowResultMessageSchema = z.discriminatedUnion('status', [
  z.object({
    ...common,
    status: z.literal('success'),
    installationId: z.string().optional(),
    connectionId: z.string().optional(),
    account: flowAccountSchema.optional(),
  }),
  z.object({ ...common, status: z.literal('error'), error: flowErrorSchema }),
  z.object({ ...common, status: z.literal('superseded') }),
]);
export type FlowResultMessage = z.infer<typeof flowResultMessageSchema>;

/** Whether a `message` event's data is a flow result (of this protocol version). */
export function parseFlowResultMessage(data: unknown): FlowResultMessage | null {
  const parsed = flowResultMessageSchema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

/**
 * Redirect mode: the query parameters added to `returnTo` when a flow ends (a superseded attempt
 * does not redirect: the newest one will). `error` carries the error code only; the full error
 * is in the `connect_session.failed` event.
 */
export const flowRedirectResultSchema = z.object({
  status: z.enum(['success', 'error']),
  correlationId: z.string().min(1),
  provider: z.string().min(1),
  tenantId: z.string().min(1),
  userId: z.string().optional(),
  installationId: z.string().optional(),
  connectionId: z.string().optional(),
  error: z.string().optional(),
});
export type FlowRedirectResult = z.infer<typeof flowRedirectResultSchema>;

/** The result a redirect-mode flow put in the returnTo URL, or null when the query is not one. */
export function parseFlowRedirectResult(query: URLSearchParams): FlowRedirectResult | null {
  const parsed = flowRedirectResultSchema.safeParse(Object.fromEntries(query.entries()));
  return parsed.success ? parsed.data : null;
}

/** The returnTo URL with a redirect-mode result in its query (other query parameters kept). */
export function withFlowRedirectResult(returnTo: string, result: FlowRedirectResult): string {
  const url = new URL(returnTo);
  for (const [key, value] of Object.entries(result)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}
