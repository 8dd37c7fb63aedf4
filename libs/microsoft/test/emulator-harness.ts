// Starts the real Microsoft emulator for the library's integration tests and completes its
// sign-in form the way a script would: GET the authorize URL, POST the form, read the redirect.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../apps/microsoft-emulator/src/emulator';
import { SEED } from '../../../apps/microsoft-emulator/src/directory/seed';
import { HttpClient, type HttpClientOptions } from '../src/http';
import { MicrosoftAuth, type UserTokens } from '../src/msal';
import { MsalClientFactory } from '../src/msal-client';
import { createPkcePair, type PkcePair } from '../src/pkce';
import type { CloudConfig } from '../src/clouds';
import type { MicrosoftApp } from '../src/msal-client';

export { SEED };
export type { RunningEmulator };

/** An emulator on a random port with the seeded directory, nothing written to disk. */
export function startTestEmulator(): Promise<RunningEmulator> {
  return startEmulator({ dataDir: null, controlApi: false, seed: true });
}

/** The emulator reached as a custom cloud (its own address). */
export function customCloud(emulator: RunningEmulator): CloudConfig {
  return { name: 'custom', loginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl };
}

/**
 * The emulator's listening address as an allowed network: it is on loopback, which the HTTP
 * layer refuses unless allowed, exactly as an operator would allow a private endpoint.
 */
export function emulatorNetworks(emulator: RunningEmulator): string[] {
  return [new URL(emulator.baseUrl).hostname];
}

/** An HttpClient trusting the emulator's CA and allowed to reach its address, with optional routes. */
export function emulatorHttp(emulator: RunningEmulator, options: HttpClientOptions = {}): HttpClient {
  return new HttpClient({
    ...options,
    caCertificates: [emulator.caCertPem],
    allowPrivateNetworks: [...(options.allowPrivateNetworks ?? []), ...emulatorNetworks(emulator)],
  });
}

/** A fresh factory per test, so msal's throttling state never leaks between tests. */
export function factoryFor(http: HttpClient, now?: () => Date): MsalClientFactory {
  return new MsalClientFactory({ http, now });
}

export function demoAppWithSecret(cloud: CloudConfig, secret: string = SEED.demoApp.secretValue): MicrosoftApp {
  return { clientId: SEED.demoApp.clientId, cloud, credential: { clientSecret: secret } };
}

export const REDIRECT_URI = SEED.demoApp.redirectUris[0];

/** What {@link useEmulatorSuite} provides to the tests of one describe block. */
export interface EmulatorSuite {
  /** One emulator for the whole block, closed after it. */
  readonly emulator: RunningEmulator;
  /** The emulator reached as a custom cloud. */
  readonly cloud: CloudConfig;
  /** A fresh client per test, trusting the emulator's CA, closed after the test. */
  readonly http: HttpClient;
  /** A MicrosoftAuth over {@link EmulatorSuite.http} and a fresh factory per test. */
  readonly auth: MicrosoftAuth;
}

/**
 * Registers the usual hooks of an emulator-backed describe block: the emulator once, an HttpClient
 * and MicrosoftAuth per test. Call it inside `describe`; read the fields inside hooks and tests.
 */
export function useEmulatorSuite(): EmulatorSuite {
  let emulator: RunningEmulator | undefined;
  let perTest: { http: HttpClient; auth: MicrosoftAuth } | undefined;
  const started = (): RunningEmulator => {
    if (!emulator) throw new Error('the emulator suite is read outside its hooks and tests');
    return emulator;
  };
  const current = () => {
    if (!perTest) throw new Error('the per-test client is read outside a test');
    return perTest;
  };
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
  });
  beforeEach(() => {
    const http = emulatorHttp(started());
    perTest = { http, auth: new MicrosoftAuth(factoryFor(http)) };
    return async () => {
      perTest = undefined;
      await http.close();
    };
  });
  return {
    get emulator() {
      return started();
    },
    get cloud() {
      return customCloud(started());
    },
    get http() {
      return current().http;
    },
    get auth() {
      return current().auth;
    },
  };
}

/**
 * Completes the emulator's sign-in page for `upn` and returns the redirect's query parameters
 * (code and state, or error). `http` must be able to reach the authorize URL's host.
 */
export async function completeSignIn(
  http: HttpClient,
  authorizeUrl: string,
  upn: string,
  action: 'approve' | 'deny' = 'approve',
): Promise<URLSearchParams> {
  const page = await http.request({ method: 'GET', url: authorizeUrl });
  if (page.status !== 200) throw new Error(`sign-in page answered HTTP ${page.status}`);
  const html = page.body.toString('utf8');
  const formAction = html.match(/<form method="post" action="([^"]+)"/)?.[1];
  const requestId = html.match(/name="request" value="([^"]+)"/)?.[1];
  if (!formAction || !requestId) throw new Error('no sign-in form on the page');
  const post = await http.request({
    method: 'POST',
    url: new URL(formAction.replace(/&amp;/g, '&'), authorizeUrl).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request: requestId, login: upn, action }).toString(),
  });
  const location = post.headers.location;
  if (post.status !== 302 || !location) throw new Error(`sign-in form answered HTTP ${post.status} without a redirect`);
  return new URL(location).searchParams;
}

/** A user's sign-in on the emulator's page for an authorization code, ready to redeem. */
export interface CodeSignIn {
  /** The authorize URL the user was sent to. */
  url: string;
  pkce: PkcePair;
  state: string;
  nonce: string;
  /** The redirect's query parameters (code and state, or error). */
  query: URLSearchParams;
  /** The code, or '' when the redirect carried an error. */
  code: string;
  /** Redeems the code with this sign-in's app, authority, scopes, verifier and nonce. */
  redeem: () => Promise<UserTokens>;
}

/**
 * Runs the authorization-code front half the way a user would: builds the authorize URL with
 * MicrosoftAuth (PKCE S256, fixed state and nonce), completes the sign-in page for `upn`.
 */
export async function signInWithCode(
  auth: MicrosoftAuth,
  http: HttpClient,
  params: { app: MicrosoftApp; authority: string; scopes: string[]; upn: string },
): Promise<CodeSignIn> {
  const { app, authority, scopes } = params;
  const pkce = createPkcePair();
  const state = 'state-0123456789abcdef';
  const nonce = 'nonce-0123456789abcdef';
  const redirectUri = REDIRECT_URI;
  const url = await auth.buildAuthCodeUrl({
    app,
    authority,
    redirectUri,
    scopes,
    state,
    codeChallenge: pkce.codeChallenge,
    nonce,
  });
  const query = await completeSignIn(http, url, params.upn);
  const code = query.get('code') ?? '';
  const redeem = () =>
    auth.redeemCode({ app, authority, redirectUri, scopes, code, codeVerifier: pkce.codeVerifier, nonce });
  return { url, pkce, state, nonce, query, code, redeem };
}
