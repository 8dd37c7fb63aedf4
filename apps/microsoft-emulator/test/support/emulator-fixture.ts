import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { SEED } from '../../src/directory/seed';
import { HttpsClient, MsalNetworkClient } from './https-client';

export interface TestEmulator {
  emulator: RunningEmulator;
  http: HttpsClient;
  /** `127.0.0.1:PORT` */
  host: string;
  close(): Promise<void>;
}

/** An emulator on a random port with the control API, keys in memory only. */
export async function startTestEmulator(): Promise<TestEmulator> {
  const emulator = await startEmulator({ port: 0, dataDir: null, controlApi: true });
  const http = new HttpsClient({ caCertPem: emulator.caCertPem });
  return {
    emulator,
    http,
    host: new URL(emulator.baseUrl).host,
    async close() {
      http.close();
      await emulator.close();
    },
  };
}

/** Way (a): a custom authority on the emulator's own origin, trusted through the CA. */
export function customAuthorityApp(
  t: TestEmulator,
  auth: Partial<Configuration['auth']> = {},
  tenant: string = SEED.contoso.tenantId,
): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: SEED.demoApp.clientId,
      clientSecret: SEED.demoApp.secretValue,
      authority: `${t.emulator.baseUrl}/${tenant}`,
      knownAuthorities: [t.host],
      ...auth,
    },
    system: { networkClient: new MsalNetworkClient(t.http) },
  });
}

/** The demo app's certificate credential as msal-node takes it (PEM key + SHA-256 thumbprint). */
export function demoCertificateCredential(
  t: TestEmulator,
  sha1 = false,
): NonNullable<Configuration['auth']['clientCertificate']> {
  const der = new X509Certificate(t.emulator.demoAppCertificate.certificatePem).raw;
  const thumb = createHash(sha1 ? 'sha1' : 'sha256')
    .update(der)
    .digest('hex');
  return sha1
    ? { thumbprint: thumb, privateKey: t.emulator.demoAppCertificate.privateKeyPem }
    : { thumbprintSha256: thumb, privateKey: t.emulator.demoAppCertificate.privateKeyPem };
}

export interface SignInResult {
  status: number;
  location: string | null;
  page: string;
}

/** Opens an authorize (or admin consent) URL, picks the account and presses a button, as a script would. */
export async function completeSignIn(
  http: HttpsClient,
  url: string,
  upn: string,
  action: 'approve' | 'deny' = 'approve',
): Promise<SignInResult> {
  const pageResponse = await http.send(url);
  if (pageResponse.status !== 200)
    return { status: pageResponse.status, location: pageResponse.headers.location ?? null, page: pageResponse.body };
  const requestId = /name="request" value="([^"]+)"/.exec(pageResponse.body)?.[1];
  const formAction = /<form method="post" action="([^"]+)"/.exec(pageResponse.body)?.[1];
  if (!requestId || !formAction) throw new Error('sign-in page has no form');
  const target = new URL(formAction.replace(/&amp;/g, '&'), url).toString();
  const posted = await http.send(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request: requestId, login: upn, action }).toString(),
  });
  return { status: posted.status, location: posted.headers.location ?? null, page: posted.body };
}

/** A PKCE pair (S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Verifies a JWT against the emulator's JWKS, fetched over HTTPS with the CA. */
export async function verifyWithJwks(
  t: TestEmulator,
  token: string,
  tenantSegment: string,
  expected: { issuer: string; audience: string },
): Promise<JWTPayload> {
  const jwks = JSON.parse(
    (await t.http.send(`${t.emulator.baseUrl}/${tenantSegment}/discovery/v2.0/keys`)).body,
  ) as unknown;
  const keySet = createLocalJWKSet(jwks as JSONWebKeySet);
  return (
    await jwtVerify(token, keySet, { issuer: expected.issuer, audience: expected.audience, algorithms: ['RS256'] })
  ).payload;
}
