import { ServerError, InteractionRequiredAuthError, ClientAuthError } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { AADSTS_RULES, type FailureAction, type FailureKind } from './aadsts';
import { classifyFailure, classifyOAuthError, isNetworkFailure, MicrosoftError, toMicrosoftError } from './errors';
import { GraphError } from './graph';
import { HttpRequestError } from './http';

describe(classifyOAuthError.name, () => {
  // One expectation per row of AADSTS_RULES (the refresh issue's meanings); a row added to the
  // table without one here fails the completeness test below.
  const EXPECTED: Record<number, readonly [FailureKind, FailureAction]> = {
    50173: ['needs_reauth', 'reauthorize'],
    50034: ['revoked', 'reauthorize'],
    50057: ['revoked', 'reauthorize'],
    70043: ['needs_reauth', 'reauthorize'],
    70008: ['needs_reauth', 'reauthorize'],
    700082: ['needs_reauth', 'reauthorize'],
    70000: ['needs_reauth', 'reauthorize'],
    54005: ['needs_reauth', 'reauthorize'],
    501481: ['needs_reauth', 'reauthorize'],
    50076: ['needs_reauth', 'reauthorize'],
    50079: ['needs_reauth', 'reauthorize'],
    50055: ['needs_reauth', 'reauthorize'],
    50126: ['needs_reauth', 'reauthorize'],
    53003: ['needs_reauth', 'reauthorize'],
    16000: ['needs_reauth', 'reauthorize'],
    50020: ['needs_reauth', 'reauthorize'],
    90072: ['needs_reauth', 'reauthorize'],
    65001: ['revoked', 'admin_reconsent'],
    90094: ['consent_required', 'admin_reconsent'],
    65004: ['consent_required', 'reauthorize'],
    500011: ['consent_required', 'admin_reconsent'],
    7000215: ['misconfigured', 'fix_app_credentials'],
    7000222: ['misconfigured', 'fix_app_credentials'],
    7000218: ['misconfigured', 'fix_app_credentials'],
    700027: ['misconfigured', 'fix_app_credentials'],
    700024: ['misconfigured', 'fix_app_credentials'],
    700016: ['revoked', 'admin_reconsent'],
    7000112: ['misconfigured', null],
    50011: ['misconfigured', null],
    900971: ['misconfigured', null],
    90002: ['revoked', 'admin_reconsent'],
    900023: ['misconfigured', null],
    50194: ['misconfigured', null],
    700054: ['misconfigured', null],
    90033: ['transient', 'retry'],
    50033: ['transient', 'retry'],
    90055: ['transient', 'retry'],
    50196: ['transient', 'retry'],
  };

  it('has an expectation for every row of the table', () => {
    expect(Object.keys(AADSTS_RULES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED).map(([code, [kind, action]]) => [Number(code), kind, action] as const))(
    'maps AADSTS%i to %s with action %s',
    (code, kind, action) => {
      const failure = classifyOAuthError({ error: 'invalid_grant', error_codes: [code] });
      expect(failure).toMatchObject({ kind, action, aadsts: code, error: 'invalid_grant' });
      expect(failure.remediation).toMatch(/^[A-Z].*: .+\.$/);
    },
  );

  it.each([
    [50173, 'needs_reauth'],
    [65001, 'revoked'],
  ] as const)('reads AADSTS%i from a redirect description as %s', (code, kind) => {
    expect(classifyOAuthError({ error: 'invalid_grant', error_description: `AADSTS${code}: x` }).kind).toBe(kind);
  });

  it.each([
    ['invalid_grant', 'needs_reauth'],
    ['interaction_required', 'needs_reauth'],
    ['consent_required', 'consent_required'],
    ['invalid_client', 'misconfigured'],
    ['temporarily_unavailable', 'transient'],
    ['something_new', 'unknown'],
  ] as const)('maps error %s without a code to %s', (error, kind) => {
    expect(classifyOAuthError({ error }).kind).toBe(kind);
  });

  it('reads the AADSTS number from a redirect description but never keeps the description', () => {
    const description = 'AADSTS65004: User declined to consent to access the app. Trace ID: x adele@contoso.com';
    const failure = classifyOAuthError({ error: 'access_denied', error_description: description });
    expect(failure).toMatchObject({ aadsts: 65004, kind: 'consent_required' });
    expect(JSON.stringify(failure)).not.toContain('adele@contoso.com');
  });

  it('has a remediation that reads as one sentence for every table row', () => {
    for (const rule of Object.values(AADSTS_RULES)) expect(rule.remediation).toMatch(/: .+\.$/);
  });
});

describe(classifyFailure.name, () => {
  it('classifies an msal ServerError by errorNo, with the status of the network outcome', () => {
    const error = new ServerError(
      'invalid_client',
      'corr',
      'Error(s): 7000222 - Description: AADSTS7000222: secret expired for app x',
      '',
      '7000222',
      401,
    );
    expect(classifyFailure(error)).toMatchObject({
      kind: 'misconfigured',
      aadsts: 7000222,
      error: 'invalid_client',
      httpStatus: 401,
      action: 'fix_app_credentials',
    });
  });

  it('classifies an msal InteractionRequiredAuthError with suberror basic_action', () => {
    const error = new InteractionRequiredAuthError(
      'invalid_grant',
      'corr',
      'AADSTS50076: MFA',
      'basic_action',
      '',
      '',
      '',
      '50076',
    );
    expect(classifyFailure(error, { outcome: { status: 400 } })).toMatchObject({
      kind: 'needs_reauth',
      aadsts: 50076,
      suberror: 'basic_action',
      httpStatus: 400,
    });
  });

  it("classifies msal's replay of a throttled request, whose errorCode holds the AADSTS numbers", () => {
    const replay = new ServerError('50173 70008', 'corr', 'revoked', '');
    expect(classifyFailure(replay)).toMatchObject({ kind: 'needs_reauth', aadsts: 50173 });
  });

  it("keeps Microsoft's trace and correlation ids (GUIDs only) and a claims challenge's claims", () => {
    const trace = '0f5c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
    const correlation = '11111111-2222-4333-8444-555555555555';
    const claims = '{"access_token":{"acrs":{"essential":true,"values":["p1"]}}}';
    const challenge = new InteractionRequiredAuthError(
      'invalid_grant',
      correlation,
      'AADSTS50076: MFA',
      'basic_action',
      '',
      trace,
      claims,
      '50076',
    );
    expect(classifyFailure(challenge)).toMatchObject({
      kind: 'needs_reauth',
      traceId: trace,
      correlationId: correlation,
      claims,
    });
    // msal's ServerError keeps the trace id in its message only.
    const server = new ServerError(
      'invalid_client',
      correlation,
      `Error(s): 7000222 - Timestamp: x - Description: AADSTS7000222: expired - Correlation ID: ${correlation} - Trace ID: ${trace}`,
      '',
      '7000222',
      401,
    );
    expect(classifyFailure(server)).toMatchObject({ traceId: trace, correlationId: correlation });
    // A correlation id that is not a GUID (an arbitrary string) is not kept.
    expect(classifyFailure(new ServerError('invalid_grant', 'not a guid', 'x', '', '70008'))).not.toHaveProperty(
      'correlationId',
    );
  });

  it('classifies a 429 as transient with Retry-After seconds', () => {
    const error = new ServerError('', 'corr', '', '', undefined, 429);
    expect(classifyFailure(error, { outcome: { status: 429, retryAfter: '17' } })).toMatchObject({
      kind: 'transient',
      action: 'retry',
      httpStatus: 429,
      retryAfterSeconds: 17,
      error: 'http_429',
    });
  });

  it('reads an HTTP-date Retry-After against the injected clock', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    const failure = classifyFailure(new ServerError('server_error', 'c'), {
      now,
      outcome: { status: 503, retryAfter: 'Sun, 22 Nov 2026 10:01:00 GMT' },
    });
    expect(failure).toMatchObject({ kind: 'transient', retryAfterSeconds: 60, httpStatus: 503 });
  });

  it("classifies msal's bare network_error by the transport failure recorded for the call", () => {
    const error = new ClientAuthError('network_error', 'corr');
    expect(
      classifyFailure(error, { outcome: { failure: 'connection_reset', systemCode: 'ECONNRESET' } }),
    ).toMatchObject({ kind: 'transient', error: 'connection_reset', action: 'retry' });
    expect(classifyFailure(error, { outcome: { failure: 'timeout' } })).toMatchObject({
      kind: 'transient',
      error: 'timeout',
    });
    expect(classifyFailure(error)).toMatchObject({ kind: 'transient' });
  });

  it('classifies HttpRequestError timeouts as transient and TLS failures as misconfigured', () => {
    expect(classifyFailure(new HttpRequestError('timeout', 'ETIMEDOUT', 'GET x timed out'))).toMatchObject({
      kind: 'transient',
      error: 'timeout',
    });
    expect(classifyFailure(new HttpRequestError('tls', 'SELF_SIGNED_CERT_IN_CHAIN', 'GET x failed'))).toMatchObject({
      kind: 'misconfigured',
      error: 'tls',
    });
  });

  it('classifies a refused destination as misconfigured and aborts as transient', () => {
    expect(
      classifyFailure(new HttpRequestError('destination_not_allowed', 'ERR_DESTINATION_NOT_ALLOWED', 'GET x failed')),
    ).toMatchObject({ kind: 'misconfigured', error: 'destination_not_allowed', action: null });
    expect(classifyFailure(new HttpRequestError('aborted', 'UND_ERR_ABORTED', 'GET x failed'))).toMatchObject({
      kind: 'transient',
      error: 'aborted',
    });
  });

  it('tells network failures (no HTTP answer) from answers', () => {
    for (const code of [
      'timeout',
      'connection_refused',
      'connection_reset',
      'tls',
      'dns',
      'destination_not_allowed',
    ] as const) {
      expect(isNetworkFailure(classifyFailure(new HttpRequestError(code, undefined, 'GET x failed')))).toBe(true);
    }
    expect(isNetworkFailure(classifyOAuthError({ error: 'invalid_client', error_codes: [7000215] }))).toBe(false);
    expect(isNetworkFailure(classifyFailure(new GraphError('getDrive', 503, 'serviceNotAvailable')))).toBe(false);
  });

  it('classifies Graph errors by Graph code and status', () => {
    expect(classifyFailure(new GraphError('getMe', 401, 'InvalidAuthenticationToken'))).toMatchObject({
      kind: 'needs_reauth',
      httpStatus: 401,
    });
    expect(classifyFailure(new GraphError('getDrive', 403, 'accessDenied'))).toMatchObject({
      kind: 'access_lost',
      action: 'admin_reconsent',
    });
    expect(classifyFailure(new GraphError('getDrive', 429, 'TooManyRequests', 9))).toMatchObject({
      kind: 'transient',
      retryAfterSeconds: 9,
    });
    expect(classifyFailure(new GraphError('getDrive', 503, 'serviceNotAvailable'))).toMatchObject({
      kind: 'transient',
    });
  });

  it('returns the failure of a MicrosoftError unchanged', () => {
    const failure = classifyOAuthError({ error: 'invalid_grant', error_codes: [700082] });
    expect(classifyFailure(new MicrosoftError(failure))).toEqual(failure);
    expect(toMicrosoftError(new MicrosoftError(failure)).failure).toBe(failure);
  });

  it('builds messages from the code and remediation only', () => {
    const error = toMicrosoftError(
      new ServerError('invalid_grant', 'c', 'AADSTS70008: token of megan@outlook.com expired', '', '70008', 400),
    );
    expect(error.message).toBe(`Microsoft AADSTS70008: ${AADSTS_RULES[70008].remediation}`);
    expect(error.message).not.toContain('megan');
  });

  it('classifies values that are not errors as unknown', () => {
    expect(classifyFailure('boom')).toMatchObject({ kind: 'unknown', aadsts: null, action: null });
    expect(classifyFailure(undefined).kind).toBe('unknown');
  });
});
