import type { FlowResultError } from '@authpipe/contract/flow-protocol';

/**
 * Why a flow ended without a credential, as the vault reported it: the whole explanation from a
 * popup's message, the code alone from a redirect's query.
 */
export type FlowErrorInfo = Pick<FlowResultError, 'code'> & Partial<Omit<FlowResultError, 'code'>>;

/**
 * Codes the SDK itself reports, beside the vault's own flow error codes (`access_denied`,
 * `admin_consent_denied`, `connect_session_expired`, ...) which pass through unchanged.
 */
export type AuthpipeClientErrorCode =
  /** The browser refused to open the popup and redirect mode was turned off (`fallback="none"`). */
  | 'blocked_by_browser'
  /** The person closed the popup before the flow finished. */
  | 'window_closed'
  /** `getSessionToken` threw, or answered with neither a token nor a URL. */
  | 'session_unavailable'
  /** The flow was cancelled by the page (the component unmounted, or `cancel()` was called). */
  | 'cancelled';

/** Every code an `onError` callback can receive: the SDK's own, or a code from the vault's flow. */
export type AuthpipeErrorCode = AuthpipeClientErrorCode | (string & {});

/** What `onError` receives: a stable `code` to switch on, and the vault's explanation when it gave one. */
export class AuthpipeConnectError extends Error {
  override readonly name = 'AuthpipeConnectError';
  /** Stable code to switch on. */
  readonly code: AuthpipeErrorCode;
  /** What to do about it, when known. */
  readonly remediation: string | undefined;
  /** Microsoft's AADSTS error number, when Microsoft refused. */
  readonly aadsts: number | undefined;

  constructor(
    code: AuthpipeErrorCode,
    message: string,
    details: { remediation?: string; aadsts?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.code = code;
    this.remediation = details.remediation;
    this.aadsts = details.aadsts;
  }

  /** The error a flow page reported. */
  static fromFlow(error: FlowErrorInfo): AuthpipeConnectError {
    return new AuthpipeConnectError(error.code, error.message ?? `The connection failed (${error.code}).`, {
      ...(error.remediation !== undefined ? { remediation: error.remediation } : {}),
      ...(error.aadsts !== undefined ? { aadsts: error.aadsts } : {}),
    });
  }
}
