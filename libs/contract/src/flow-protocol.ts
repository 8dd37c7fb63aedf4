// The browser-side protocol of the connect flows: what the last page of a popup posts to the
// window that opened it, and what a redirect-mode flow puts in the returnTo URL's query. The vault
// writes it (apps/vault/src/connect/pages/completion.ts), @authpipe/react reads it.
// Plain TypeScript on purpose, no zod and no other import: @authpipe/react bundles this module
// into its browser build (as `@authpipe/contract/flow-protocol`) and ships no schema library.

/** `type` of every message a flow page posts to its opener. */
export const FLOW_MESSAGE_TYPE = 'authpipe:flow-result';
/** Bumped only on an incompatible change of the message; receivers ignore other versions. */
export const FLOW_PROTOCOL_VERSION = 1;

/** Why a flow ended without a credential: a stable code applications switch on, in plain words. */
export interface FlowResultError {
  /** Stable code (`access_denied`, `admin_consent_denied`, `account_mismatch`, ...): never renamed. */
  code: string;
  /** What happened, for the application's developers and logs. */
  message: string;
  /** What to do about it: developer advice lives here, not on the end user's page. */
  remediation: string;
  /** Microsoft's AADSTS error number when Microsoft refused. */
  aadsts?: number;
}

/** The Microsoft account a successful flow stored (a user's, or the consenting admin's). */
export interface FlowResultAccount {
  /** User principal name / email the account signed in with, when Microsoft gave one. */
  upn: string | null;
  /** Microsoft directory (tenant) id of the account. */
  tid?: string;
}

/** What every message of one flow carries. */
export interface FlowResultMessageBase {
  type: typeof FLOW_MESSAGE_TYPE;
  version: typeof FLOW_PROTOCOL_VERSION;
  /**
   * Correlates the message with the flow the opener started: the connect session's id (`id` in
   * the answer of POST /v1/connect-sessions). Several popups of one session share it; only the
   * newest can succeed (see `superseded`).
   */
  correlationId: string;
  provider: string;
  credentialFor: 'installation' | 'user';
  /** The project's id for the tenant (e.g. `org_acme`). */
  tenantId: string;
  userId?: string;
}

/**
 * What a popup's last page posts to `window.opener` (with the opener's origin as target, one of the
 * app's allowed origins; never `*`):
 * - `success`: the installation or connection is stored; its id and account come with it;
 * - `error`: nothing was stored; `error.code` says why;
 * - `superseded`: this window's attempt was replaced by a newer start of the same session in the
 *   same browser (a double click, a retried popup); the newest window carries on, so an opener
 *   ignores it or closes the old window. Nothing was stored and the session is still usable.
 */
export type FlowResultMessage =
  | (FlowResultMessageBase & {
      status: 'success';
      installationId?: string;
      connectionId?: string;
      account?: FlowResultAccount;
    })
  | (FlowResultMessageBase & { status: 'error'; error: FlowResultError })
  | (FlowResultMessageBase & { status: 'superseded' });

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const optionalString = (value: unknown): value is string | undefined =>
  value === undefined || typeof value === 'string';

/** Copies the optional string fields that are set; false when one is set but not a string. */
function copyOptional(from: Json, names: readonly string[], to: Json): boolean {
  for (const name of names) {
    const value = from[name];
    if (!optionalString(value)) return false;
    if (value !== undefined) to[name] = value;
  }
  return true;
}

function parseError(value: unknown): FlowResultError | null {
  if (!isObject(value) || !nonEmpty(value.code)) return null;
  const { code, message, remediation, aadsts } = value;
  if (typeof message !== 'string' || typeof remediation !== 'string') return null;
  if (aadsts !== undefined && !(typeof aadsts === 'number' && Number.isInteger(aadsts))) return null;
  return { code, message, remediation, ...(aadsts !== undefined ? { aadsts } : {}) };
}

function parseAccount(value: unknown): FlowResultAccount | null {
  if (!isObject(value)) return null;
  const { upn, tid } = value;
  if (upn !== null && typeof upn !== 'string') return null;
  if (!optionalString(tid)) return null;
  return { upn, ...(tid !== undefined ? { tid } : {}) };
}

/**
 * The flow result in a `message` event's data (of this protocol version), or null when the data is
 * not one: another library's message, another version, a malformed object. Keys the protocol does
 * not define are dropped.
 */
export function parseFlowResultMessage(data: unknown): FlowResultMessage | null {
  if (!isObject(data)) return null;
  if (data.type !== FLOW_MESSAGE_TYPE || data.version !== FLOW_PROTOCOL_VERSION) return null;
  const { correlationId, provider, credentialFor, tenantId, status } = data;
  if (!nonEmpty(correlationId) || !nonEmpty(provider) || !nonEmpty(tenantId)) return null;
  if (credentialFor !== 'installation' && credentialFor !== 'user') return null;
  const base: Json = {
    type: FLOW_MESSAGE_TYPE,
    version: FLOW_PROTOCOL_VERSION,
    correlationId,
    provider,
    credentialFor,
    tenantId,
  };
  if (!copyOptional(data, ['userId'], base)) return null;
  switch (status) {
    case 'success': {
      if (!copyOptional(data, ['installationId', 'connectionId'], base)) return null;
      if (data.account !== undefined) {
        const account = parseAccount(data.account);
        if (account === null) return null;
        base.account = account;
      }
      return { ...base, status } as FlowResultMessage;
    }
    case 'error': {
      const error = parseError(data.error);
      return error === null ? null : ({ ...base, status, error } as FlowResultMessage);
    }
    case 'superseded':
      return { ...base, status } as FlowResultMessage;
    default:
      return null;
  }
}

/**
 * Redirect mode: the query parameters added to `returnTo` when a flow ends (a superseded attempt
 * does not redirect: the newest one will). `error` carries the error code only; the full error
 * is in the `connect_session.failed` event.
 */
export interface FlowRedirectResult {
  status: 'success' | 'error';
  correlationId: string;
  provider: string;
  tenantId: string;
  userId?: string;
  installationId?: string;
  connectionId?: string;
  /** The error code (`access_denied`, ...) of a failed flow. */
  error?: string;
}

/** Every query parameter a redirect result may set: what a page removes once it has read one. */
export const FLOW_REDIRECT_RESULT_PARAMS = [
  'status',
  'correlationId',
  'provider',
  'tenantId',
  'userId',
  'installationId',
  'connectionId',
  'error',
] as const satisfies readonly (keyof FlowRedirectResult)[];

/** The result a redirect-mode flow put in the returnTo URL, or null when the query is not one. */
export function parseFlowRedirectResult(query: URLSearchParams): FlowRedirectResult | null {
  const status = query.get('status');
  const correlationId = query.get('correlationId');
  const provider = query.get('provider');
  const tenantId = query.get('tenantId');
  if (status !== 'success' && status !== 'error') return null;
  if (!nonEmpty(correlationId) || !nonEmpty(provider) || !nonEmpty(tenantId)) return null;
  const result: FlowRedirectResult = { status, correlationId, provider, tenantId };
  for (const name of ['userId', 'installationId', 'connectionId', 'error'] as const) {
    const value = query.get(name);
    if (value !== null) result[name] = value;
  }
  return result;
}

/** The returnTo URL with a redirect-mode result in its query (other query parameters kept). */
export function withFlowRedirectResult(returnTo: string, result: FlowRedirectResult): string {
  const url = new URL(returnTo);
  for (const name of FLOW_REDIRECT_RESULT_PARAMS) {
    const value = result[name];
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

/** The URL without any redirect-result parameter (other query parameters kept). */
export function withoutFlowRedirectResult(url: URL): URL {
  const copy = new URL(url);
  for (const name of FLOW_REDIRECT_RESULT_PARAMS) copy.searchParams.delete(name);
  return copy;
}
