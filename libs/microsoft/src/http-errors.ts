// Why an outbound request produced no (complete) response, in stable words the failure
// classification (errors.ts) and the vault rely on. undici, Node's net/tls and the address
// policy each name failures their own way; this file is the one place that maps them.

/** Why a request produced no response, or its body broke off; stable values. */
export type HttpFailureCode =
  | 'timeout'
  | 'connection_reset'
  | 'connection_refused'
  | 'dns'
  | 'tls'
  | 'response_too_large'
  | 'invalid_url'
  | 'destination_not_allowed'
  | 'aborted'
  | 'request_body'
  | 'network';

/** Every {@link HttpFailureCode}, for schemas and exhaustive checks. */
export const HTTP_FAILURE_CODES = [
  'timeout',
  'connection_reset',
  'connection_refused',
  'dns',
  'tls',
  'response_too_large',
  'invalid_url',
  'destination_not_allowed',
  'aborted',
  'request_body',
  'network',
] as const satisfies readonly HttpFailureCode[];

/**
 * A request produced no HTTP response, or its streamed body failed. The message names the method
 * and host only: URLs may carry user names or codes in their query, bodies carry secrets.
 */
export class HttpRequestError extends Error {
  readonly code = 'http_request_failed';

  constructor(
    readonly failure: HttpFailureCode,
    /** The system or undici error code when there is one (ECONNRESET, UND_ERR_BODY_TIMEOUT, ...). */
    readonly systemCode: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpRequestError';
  }
}

const BY_CODE: Readonly<Record<string, HttpFailureCode>> = {
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  // undici: the peer closed the socket, or the body ended before its Content-Length.
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'connection_reset',
  ECONNREFUSED: 'connection_refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_ABORTED: 'aborted',
  UND_ERR_ABORT: 'aborted',
  ABORT_ERR: 'aborted',
  ERR_DESTINATION_NOT_ALLOWED: 'destination_not_allowed',
};

/** The error code of a thrown value; for an AggregateError (every address of a name failed) its first error's. */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (error instanceof AggregateError) return codeOf(error.errors[0]);
  return undefined;
}

/** The failure an error code stands for. */
export function failureOfCode(code: string | undefined): HttpFailureCode {
  if (code === undefined) return 'network';
  const known = BY_CODE[code];
  if (known !== undefined) return known;
  // OpenSSL and Node name certificate and handshake failures many ways (a plain-HTTP port gives
  // ERR_SSL_WRONG_VERSION_NUMBER, an unknown CA UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...).
  if (/^(ERR_TLS|ERR_SSL|UNABLE_TO|DEPTH_ZERO|EPROTO)|CERT/.test(code)) return 'tls';
  return 'network';
}

/** Converts anything thrown by undici or Node while sending `label` into an {@link HttpRequestError}. */
export function toHttpRequestError(error: unknown, label: string, phase: 'request' | 'response'): HttpRequestError {
  if (error instanceof HttpRequestError) return error;
  const code = codeOf(error);
  const failure = error instanceof Error && error.name === 'AbortError' ? 'aborted' : failureOfCode(code);
  const where = phase === 'request' ? 'failed' : 'failed while reading the response';
  return new HttpRequestError(failure, code, `${label} ${where} (${code ?? failure})`, { cause: error });
}
