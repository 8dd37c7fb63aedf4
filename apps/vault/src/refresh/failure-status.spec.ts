import { classifyOAuthError, type MicrosoftFailure } from '@authpipe/microsoft';
import { describe, expect, it } from 'vitest';
import { statusForFailure } from './failure-status';

const failure = (code: number): MicrosoftFailure => classifyOAuthError({ error: 'invalid_grant', error_codes: [code] });

describe(statusForFailure.name, () => {
  it.each([
    [50033, 'degraded', true],
    [90055, 'degraded', true],
    [50173, 'needs_reauth', false],
    [70008, 'needs_reauth', false],
    [700082, 'needs_reauth', false],
    [70043, 'needs_reauth', false],
    [50076, 'needs_reauth', false],
    [50079, 'needs_reauth', false],
    [65001, 'revoked', false],
    [50057, 'revoked', false],
    [50034, 'revoked', false],
    [700016, 'revoked', false],
    [90002, 'revoked', false],
    [7000215, 'misconfigured', false],
    [7000222, 'misconfigured', false],
    [700027, 'misconfigured', false],
  ] as const)('leaves AADSTS%i as %s (retried: %s)', (code, status, retry) => {
    expect(statusForFailure(failure(code))).toMatchObject({ status, retry });
  });

  it('retries transient failures without an AADSTS code (5xx, 429, timeouts)', () => {
    const outage = classifyOAuthError({ error: 'server_error', httpStatus: 503 });
    expect(statusForFailure(outage)).toEqual({ status: 'degraded', retry: true, flagsApp: false });
  });

  it('flags the whole app only for a bad app credential', () => {
    expect(statusForFailure(failure(7000222)).flagsApp).toBe(true);
    expect(statusForFailure(failure(700027)).flagsApp).toBe(true);
    // A bad redirect URI or scope is the app's registration, but not a credential every token needs.
    expect(statusForFailure(failure(50011))).toMatchObject({ status: 'misconfigured', flagsApp: false });
    expect(statusForFailure(failure(700016)).flagsApp).toBe(false);
    expect(statusForFailure(failure(65001)).flagsApp).toBe(false);
  });

  it('maps Graph refusing the bound resource after a good refresh to access_lost', () => {
    const refused: MicrosoftFailure = { ...failure(65001), kind: 'access_lost', aadsts: null, error: 'accessDenied' };
    expect(statusForFailure(refused)).toEqual({ status: 'access_lost', retry: false, flagsApp: false });
  });
});
