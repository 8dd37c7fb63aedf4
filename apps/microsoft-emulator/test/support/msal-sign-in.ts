// A user signed in through unmodified msal-node: getAuthCodeUrl, the emulator's sign-in form
// completed as a script would, acquireTokenByCode. Shared by the conformance specs on refresh.
import {
  AuthError,
  type AccountInfo,
  type AuthenticationResult,
  type ConfidentialClientApplication,
} from '@azure/msal-node';
import { expect } from 'vitest';
import { completeSignIn, pkce, type SignInResult, type TestEmulator } from './emulator-fixture';
import type { HttpsClient } from './https-client';

export const REDIRECT = 'http://localhost:3000/oauth/callback';
export const SCOPES = ['Files.ReadWrite.All', 'offline_access'];

export interface MsalSignIn {
  /** The sign-in page's reply: a redirect with a code, or a page. */
  signIn: SignInResult;
  /** Present when the sign-in redirected with a code and msal redeemed it. */
  result?: AuthenticationResult;
  account?: AccountInfo;
}

/** Signs `upn` in with `app`; `claims` goes on the authorize and token requests as msal sends it. */
export async function signInWithMsal(
  t: TestEmulator,
  app: ConfidentialClientApplication,
  upn: string,
  options: { claims?: string; http?: HttpsClient; scopes?: string[] } = {},
): Promise<MsalSignIn> {
  const scopes = options.scopes ?? SCOPES;
  const { verifier, challenge } = pkce();
  const url = await app.getAuthCodeUrl({
    scopes,
    redirectUri: REDIRECT,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    loginHint: upn,
    claims: options.claims,
  });
  const signIn = await completeSignIn(options.http ?? t.http, url, upn);
  const code = signIn.location ? new URL(signIn.location).searchParams.get('code') : null;
  if (!code) return { signIn };
  const result = await app.acquireTokenByCode({
    code,
    codeVerifier: verifier,
    redirectUri: REDIRECT,
    scopes,
    claims: options.claims,
  });
  return { signIn, result, account: result.account ?? undefined };
}

/** The refresh token msal keeps in its cache (msal never returns it in a result). */
export function cachedRefreshToken(app: ConfidentialClientApplication): string {
  const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
  const token = Object.values(cache.RefreshToken)[0]?.secret;
  if (!token) throw new Error('msal holds no refresh token');
  return token;
}

export type MsalFailure = AuthError & { errorNo?: string | number; subError: string; claims?: string };

/** The error a promise rejects with; fails the test when it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<MsalFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as MsalFailure;
}

/** A forced refresh through msal's cache (acquireTokenSilent with forceRefresh). */
export function forcedRefresh(
  app: ConfidentialClientApplication,
  account: AccountInfo,
  claims?: string,
): Promise<AuthenticationResult> {
  return app.acquireTokenSilent({ account, scopes: ['Files.ReadWrite.All'], forceRefresh: true, claims });
}

/** Calls the control API; bodies are JSON. */
export function control(t: TestEmulator, path: string, method: string, body?: unknown) {
  return t.http.send(`${t.emulator.baseUrl}/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
