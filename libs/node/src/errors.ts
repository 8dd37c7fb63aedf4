import type { WireErrorBody } from './wire.js';

/** What someone must do before a blocked credential can be served again (`details.action`). */
export interface CredentialAction {
  /**
   * `reauthorize`: the user signs in again; `reconsent`: an admin of the customer's directory
   * consents again; `fix_app`: the project's developers fix the app's own credential.
   */
  type: 'reauthorize' | 'reconsent' | 'fix_app';
  /** The connect URL to send the person to, when the action is someone's sign-in. */
  url?: string;
  /** When `url` stops working (ISO 8601). */
  expiresAt?: string;
  /** `fix_app`: the app to fix. */
  appId?: string;
}

/** `details` of a credential refusal: which credential, its status and Microsoft's reason. */
export interface CredentialRefusalDetails {
  credentialId: string;
  status: string;
  /** Microsoft's AADSTS error number, when Microsoft gave one. */
  aadsts: number | null;
  /** Microsoft's OAuth error (`invalid_grant`, ...), when Microsoft gave one. */
  error: string | null;
  action?: CredentialAction;
}

/** Where an error came from, for the constructor of {@link AuthpipeError} and its subclasses. */
export interface AuthpipeErrorInit {
  /** The stable code from the vault's error catalog (or `network_error` / `timeout` from the SDK). */
  code: string;
  message: string;
  /** HTTP status of the vault's answer; 0 when no answer arrived. */
  status: number;
  remediation?: string;
  details?: unknown;
  /** The vault's request id (`x-request-id`), to quote when reporting a problem. */
  requestId?: string;
  /** The vault's error id for an unexpected failure, to quote when reporting it. */
  errorId?: string;
  /** Seconds to wait before trying again (`Retry-After`), when the vault said so. */
  retryAfter?: number;
  cause?: unknown;
}

/**
 * Every error the SDK throws for a failed call. `code` is the vault's stable error code (switch
 * on it or on the subclass; messages may change), `status` the HTTP status (0 when the vault was
 * not reached), `remediation` a sentence saying what to do. Never holds a token or key.
 *
 * The package ships CommonJS and ES module builds; an application that loads both gets two
 * copies of each class, so prefer `error.code` over `instanceof` across such a boundary.
 */
export class AuthpipeError extends Error {
  /** The stable error code. */
  readonly code: string;
  /** HTTP status of the vault's answer; 0 when no answer arrived (network error, timeout). */
  readonly status: number;
  /** What to do about it, when the vault said. */
  readonly remediation: string | undefined;
  /** Structured details of the refusal, as the vault sent them. */
  readonly details: unknown;
  /** The vault's request id, to quote when reporting a problem. */
  readonly requestId: string | undefined;
  /** The vault's error id for an unexpected failure. */
  readonly errorId: string | undefined;
  /** Seconds to wait before trying again, when the vault sent `Retry-After`. */
  readonly retryAfter: number | undefined;

  constructor(init: AuthpipeErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.status = init.status;
    this.remediation = init.remediation;
    this.details = init.details;
    this.requestId = init.requestId;
    this.errorId = init.errorId;
    this.retryAfter = init.retryAfter;
  }
}

/** No installation or connection matches the (provider, tenant, user) asked for (404). */
export class CredentialNotFoundError extends AuthpipeError {}

/**
 * A credential exists but cannot be served until someone acts (409): the base of
 * {@link NeedsReauthError}, {@link RevokedError}, {@link AccessLostError} and
 * {@link AppMisconfiguredError}.
 */
export class CredentialBlockedError extends AuthpipeError {
  /** The blocked credential's id (an installation's or a connection's). */
  readonly credentialId: string | undefined;
  /** Microsoft's AADSTS error number, when Microsoft gave one. */
  readonly aadsts: number | null;
  /** What to do, and where: `action.url` is the link to send the person to. */
  readonly action: CredentialAction | undefined;

  constructor(init: AuthpipeErrorInit) {
    super(init);
    const details = refusalDetails(init.details);
    this.credentialId = details?.credentialId;
    this.aadsts = details?.aadsts ?? null;
    this.action = details?.action;
  }

  /** The link that fixes it (a connect URL), when the vault minted one. */
  get actionUrl(): string | undefined {
    return this.action?.url;
  }
}

/** The user must sign in again (expired or refused refresh token, conditional access); see `reauthUrl`. */
export class NeedsReauthError extends CredentialBlockedError {
  /** The connect URL that signs the user in again; open it in their browser. */
  get reauthUrl(): string | undefined {
    return this.actionUrl;
  }
}

/** Access was withdrawn in the customer's directory; an admin (or the user) must consent again at `actionUrl`. */
export class RevokedError extends CredentialBlockedError {}

/** The token works but Graph refuses the bound drive or site; install again at `actionUrl`. */
export class AccessLostError extends CredentialBlockedError {}

/** Microsoft refuses the project's own app credential (secret or certificate); fix the app. */
export class AppMisconfiguredError extends CredentialBlockedError {
  /** The app to fix. */
  get appId(): string | undefined {
    return this.action?.appId;
  }
}

/** Microsoft cannot be reached and the stored token has expired (503); retry after `retryAfter` seconds. */
export class ProviderUnavailableError extends AuthpipeError {}

/** Too many requests (429); retry after `retryAfter` seconds. */
export class RateLimitedError extends AuthpipeError {}

/** The SDK could not reach the vault (connection refused, reset, DNS) or gave up waiting for it. */
export class NetworkError extends AuthpipeError {}

/**
 * A Graph answer that a file action could not use (from Graph through the proxy, not from the
 * vault): `status` is Graph's, `code` Graph's `error.code` (`itemNotFound`, `nameAlreadyExists`...).
 */
export class GraphError extends AuthpipeError {}

const CLASSES: Record<string, new (init: AuthpipeErrorInit) => AuthpipeError> = {
  credential_not_found: CredentialNotFoundError,
  needs_reauth: NeedsReauthError,
  revoked: RevokedError,
  access_lost: AccessLostError,
  app_misconfigured: AppMisconfiguredError,
  provider_unavailable: ProviderUnavailableError,
  rate_limited: RateLimitedError,
};

/** The typed error for a vault error response, by its code; {@link AuthpipeError} for other codes. */
export function errorFromWire(
  status: number,
  body: WireErrorBody,
  extra: { requestId?: string; retryAfter?: number } = {},
): AuthpipeError {
  const Class = CLASSES[body.code] ?? AuthpipeError;
  return new Class({
    code: body.code,
    message: body.message,
    status,
    ...(body.remediation !== undefined ? { remediation: body.remediation } : {}),
    ...(body.details !== undefined ? { details: body.details } : {}),
    ...(body.errorId !== undefined ? { errorId: body.errorId } : {}),
    ...extra,
  });
}

function refusalDetails(details: unknown): Partial<CredentialRefusalDetails> | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  return details;
}
