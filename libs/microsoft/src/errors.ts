// Classification of every failure the library meets (msal-node, HTTP, Graph) into one shape the
// vault stores as credential health. Decided by AADSTS number and OAuth `error`, read from the
// error's fields by schema, never by its class: msal-node changes classes between majors and
// replays throttled errors with a different shape.
import { z } from 'zod';
import {
  AADSTS_RULES,
  ERROR_RULES,
  TRANSPORT_RULES,
  type FailureAction,
  type FailureKind,
  type FailureRule,
} from './aadsts';
import { parseRetryAfter } from './http';
import { HTTP_FAILURE_CODES, HttpRequestError, type HttpFailureCode } from './http-errors';
import type { NetworkOutcome } from './msal-network';

export type { FailureAction, FailureKind } from './aadsts';

/** A classified failure; safe to store, log and show (no token, secret or Microsoft description in it). */
export interface MicrosoftFailure {
  kind: FailureKind;
  /** The AADSTS number (first of `error_codes`), or null. */
  aadsts: number | null;
  /** OAuth `error`, Graph error code, or the transport failure (`timeout`, `connection_reset`, `http_503`...). */
  error: string;
  suberror?: string;
  httpStatus?: number;
  retryAfterSeconds?: number;
  /** A plain sentence: cause, then what to do. */
  remediation: string;
  action: FailureAction;
  /** Microsoft's `trace_id` of the failed request (a GUID), for a support ticket with Microsoft. */
  traceId?: string;
  /** Microsoft's `correlation_id` (msal's client-request-id; a GUID), for the same. */
  correlationId?: string;
  /**
   * The `claims` of a Conditional Access claims challenge (sent to clients that declared the `cp1`
   * capability): passed on the next interactive sign-in so that it satisfies the policy.
   */
  claims?: string;
}

/** The library's one error type toward callers: a message built from the classification only. */
export class MicrosoftError extends Error {
  readonly code = 'microsoft_error';

  constructor(
    readonly failure: MicrosoftFailure,
    /**
     * The system or undici code of a transport failure (ECONNREFUSED, ERR_SSL_WRONG_VERSION_NUMBER,
     * UND_ERR_HEADERS_TIMEOUT...), for logs: finer than `failure.error`, and never shown to callers.
     */
    readonly systemCode?: string,
  ) {
    super(`Microsoft ${failure.aadsts !== null ? `AADSTS${failure.aadsts}` : failure.error}: ${failure.remediation}`);
    this.name = 'MicrosoftError';
  }
}

/** The fields of an OAuth error response (token endpoint body or redirect query). */
export interface OAuthErrorFields {
  error: string;
  error_codes?: readonly number[];
  suberror?: string;
  /** Read only for its AADSTS number when `error_codes` is absent (redirects carry just the description). */
  error_description?: string;
  httpStatus?: number;
  retryAfterSeconds?: number;
}

/** Extra facts about the failed call: what the network returned, and the clock for Retry-After dates. */
export interface ClassifyContext {
  outcome?: NetworkOutcome;
  now?: Date;
}

const digits = z.union([z.string().regex(/^\d+$/).transform(Number), z.number().int()]);

// The fields read off any thrown value; every one optional, unknown ones ignored.
const errorFields = z.object({
  code: z.string().optional(),
  errorCode: z.string().optional(),
  errorNo: digits.optional().catch(undefined),
  subError: z.string().optional(),
  status: z.number().int().optional(),
  httpStatus: z.number().int().optional(),
  errorMessage: z.string().optional(),
  message: z.string().optional(),
  failure: z.unknown().optional(),
  graphCode: z.string().optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  correlationId: z.string().optional(),
  traceId: z.string().optional(),
  claims: z.string().optional(),
});

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// A claims challenge is base64 or JSON of a few hundred bytes; anything else is not kept.
const CLAIMS = /^[A-Za-z0-9+/=_\-{}":,.[\] ]{1,4000}$/;

/** A GUID named by `label` in msal's message (`… - Trace ID: <guid>`), or the field itself when it is one. */
function guidOf(field: string | undefined, label: string, message: string | undefined): string | undefined {
  if (field !== undefined && GUID.test(field)) return field.toLowerCase();
  const match = message?.match(new RegExp(`${label}: ([0-9a-fA-F-]{36})\\b`));
  return match && GUID.test(match[1]) ? match[1].toLowerCase() : undefined;
}

const failureSchema = z
  .object({
    kind: z.enum([
      'transient',
      'needs_reauth',
      'revoked',
      'access_lost',
      'misconfigured',
      'consent_required',
      'unknown',
    ]),
    aadsts: z.number().int().nullable(),
    error: z.string(),
    remediation: z.string(),
    action: z.enum(['reauthorize', 'admin_reconsent', 'fix_app_credentials', 'retry']).nullable(),
  })
  .loose();

const transportFailure = z.enum(HTTP_FAILURE_CODES);

function aadstsIn(text: string | undefined): number | null {
  const match = text?.match(/AADSTS(\d{4,7})\b/);
  return match ? Number(match[1]) : null;
}

function pick(
  aadsts: number | null,
  error: string,
  suberror: string | undefined,
  status: number | undefined,
  transport: HttpFailureCode | undefined,
): FailureRule {
  if (aadsts !== null && AADSTS_RULES[aadsts]) return AADSTS_RULES[aadsts];
  if (status === 429) return TRANSPORT_RULES.throttled;
  if (status !== undefined && status >= 500 && status < 600) return TRANSPORT_RULES.server;
  if (Object.hasOwn(ERROR_RULES, error)) return ERROR_RULES[error];
  if (suberror !== undefined && Object.hasOwn(ERROR_RULES, suberror)) return ERROR_RULES[suberror];
  if (transport === 'tls') return TRANSPORT_RULES.tls;
  if (transport === 'destination_not_allowed') return TRANSPORT_RULES.destination;
  if (error === 'network_error') return TRANSPORT_RULES.network;
  if (error === 'throttled') return TRANSPORT_RULES.throttled;
  if (transport !== undefined && transport !== 'invalid_url') return TRANSPORT_RULES.network;
  return TRANSPORT_RULES.unknown;
}

function build(rule: FailureRule, fields: Omit<MicrosoftFailure, 'kind' | 'action' | 'remediation'>): MicrosoftFailure {
  const failure: MicrosoftFailure = {
    kind: rule.kind,
    aadsts: fields.aadsts,
    error: fields.error,
    remediation: rule.remediation,
    action: rule.action,
  };
  if (fields.suberror) failure.suberror = fields.suberror;
  if (fields.httpStatus !== undefined) failure.httpStatus = fields.httpStatus;
  if (fields.retryAfterSeconds !== undefined) failure.retryAfterSeconds = fields.retryAfterSeconds;
  if (fields.traceId !== undefined) failure.traceId = fields.traceId;
  if (fields.correlationId !== undefined) failure.correlationId = fields.correlationId;
  if (fields.claims !== undefined) failure.claims = fields.claims;
  return failure;
}

/** Classifies an OAuth error response (token endpoint body, or `error`/`error_description` of a redirect). */
export function classifyOAuthError(fields: OAuthErrorFields): MicrosoftFailure {
  const aadsts = fields.error_codes?.[0] ?? aadstsIn(fields.error_description);
  const rule = pick(aadsts, fields.error, fields.suberror, fields.httpStatus, undefined);
  return build(rule, {
    aadsts,
    error: fields.error,
    suberror: fields.suberror,
    httpStatus: fields.httpStatus,
    retryAfterSeconds: fields.retryAfterSeconds,
  });
}

/**
 * Classifies anything thrown by msal-node, the HTTP layer or the Graph client. `context.outcome`
 * (from `withNetworkOutcome`) supplies the HTTP status, Retry-After and transport failure that
 * msal-node does not keep on its errors.
 */
export function classifyFailure(thrown: unknown, context: ClassifyContext = {}): MicrosoftFailure {
  const asFailure = z.object({ code: z.literal('microsoft_error'), failure: failureSchema }).safeParse(thrown);
  if (asFailure.success) return asFailure.data.failure;

  const parsed = typeof thrown === 'object' && thrown !== null ? errorFields.safeParse(thrown) : null;
  const f = parsed?.success ? parsed.data : {};
  const outcome = context.outcome ?? {};
  const throttleReplay = f.errorCode !== undefined && /^\d+( \d+)*$/.test(f.errorCode);
  const aadsts =
    f.errorNo ??
    (throttleReplay ? Number(f.errorCode?.split(' ')[0]) : null) ??
    aadstsIn(f.errorMessage) ??
    aadstsIn(f.message);
  const ownTransport = transportFailure.safeParse(f.failure);
  const transport = ownTransport.success ? ownTransport.data : outcome.failure;
  const httpStatus = f.status ?? f.httpStatus ?? outcome.status;
  const retryAfterSeconds = f.retryAfterSeconds ?? parseRetryAfter(outcome.retryAfter, context.now ?? new Date());

  // msal replays a request it throttled after a 429/5xx/Retry-After without sending it; the replay
  // carries the old AADSTS numbers (if any) as its errorCode and no status.
  const locallyThrottled =
    outcome.requests === 0 && f.errorCode !== undefined && (f.errorCode === '' || throttleReplay);
  let error = f.graphCode ?? (throttleReplay ? undefined : f.errorCode);
  if (locallyThrottled) error = 'throttled';
  // Without a Microsoft error, the recorded transport failure names the cause better than msal's
  // generic client error (network_error, endpoints_resolution_error).
  if (
    error === undefined ||
    error === '' ||
    error === 'network_error' ||
    (transport !== undefined && aadsts === null && f.graphCode === undefined)
  ) {
    if (transport !== undefined) error = transport;
    else if (httpStatus !== undefined && httpStatus >= 400) error = `http_${httpStatus}`;
    else error = error || 'unknown_error';
  }
  const suberror = f.subError || undefined;
  const rule = pick(aadsts, error, suberror, httpStatus && httpStatus >= 400 ? httpStatus : undefined, transport);
  const text = f.errorMessage ?? f.message;
  return build(rule, {
    aadsts,
    error,
    suberror,
    httpStatus: httpStatus && httpStatus >= 400 ? httpStatus : undefined,
    retryAfterSeconds,
    traceId: guidOf(f.traceId, 'Trace ID', text),
    correlationId: guidOf(f.correlationId, 'Correlation ID', text),
    claims: f.claims && CLAIMS.test(f.claims) ? f.claims : undefined,
  });
}

/**
 * Whether a classified failure means the endpoint gave no HTTP answer at all (refused, reset,
 * timed out, TLS, DNS, a refused destination): no AADSTS code, no HTTP status, a transport error.
 */
export function isNetworkFailure(failure: MicrosoftFailure): boolean {
  return (
    failure.aadsts === null &&
    failure.httpStatus === undefined &&
    (transportFailure.safeParse(failure.error).success || failure.error === 'network_error')
  );
}

/** Wraps anything thrown into a `MicrosoftError` carrying its classification. */
export function toMicrosoftError(thrown: unknown, context: ClassifyContext = {}): MicrosoftError {
  if (thrown instanceof MicrosoftError) return thrown;
  const systemCode = thrown instanceof HttpRequestError ? thrown.systemCode : context.outcome?.systemCode;
  return new MicrosoftError(classifyFailure(thrown, context), systemCode);
}
