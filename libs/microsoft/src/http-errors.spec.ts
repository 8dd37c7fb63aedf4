import { describe, expect, it } from 'vitest';
import { HttpRequestError, failureOfCode, toHttpRequestError } from './http-errors';

describe(toHttpRequestError.name, () => {
  it.each([
    ['ECONNREFUSED', 'connection_refused'],
    ['ECONNRESET', 'connection_reset'],
    ['UND_ERR_SOCKET', 'connection_reset'],
    ['ENOTFOUND', 'dns'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_ABORTED', 'aborted'],
    ['ERR_DESTINATION_NOT_ALLOWED', 'destination_not_allowed'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls'],
    ['HPE_INVALID_CONSTANT', 'network'],
    [undefined, 'network'],
  ])('maps %s to %s', (code, failure) => {
    expect(failureOfCode(code)).toBe(failure);
  });

  it('reads the code of the first error of an AggregateError (every address of a name failed)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = toHttpRequestError(new AggregateError([refused]), 'GET host/path', 'request');
    expect(error).toMatchObject({ failure: 'connection_refused', systemCode: 'ECONNREFUSED' });
    expect(error.message).toBe('GET host/path failed (ECONNREFUSED)');
  });

  it('maps an AbortError to aborted and keeps an HttpRequestError as it is', () => {
    expect(toHttpRequestError(new DOMException('stop', 'AbortError'), 'GET h/', 'response').failure).toBe('aborted');
    const own = new HttpRequestError('tls', 'X', 'm');
    expect(toHttpRequestError(own, 'GET h/', 'request')).toBe(own);
  });
});
