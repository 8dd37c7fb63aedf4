import { timingSafeEqual, X509Certificate } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import type { EmulatorClock } from '../directory/contracts';
import type { AppCertificate, AppRegistration } from '../directory/directory.types';
import type { AssertionReplayCache } from '../tokens/grant-stores';
import { Aadsts } from './aadsts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface ClientCredentials {
  clientSecret?: string;
  clientAssertionType?: string;
  clientAssertion?: string;
}

const assertionClaims = z.object({
  aud: z.union([z.string(), z.array(z.string())]),
  iss: z.string(),
  sub: z.string(),
  exp: z.number(),
  nbf: z.number().optional(),
  jti: z.string().min(1),
});

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Authenticates a confidential client with a secret or a certificate-signed assertion and says
 * which ('1' secret, '2' certificate, the `appidacr` claim).
 * https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials
 */
export class ClientAuthenticator {
  constructor(
    private readonly clock: EmulatorClock,
    private readonly replays: AssertionReplayCache,
  ) {}

  /** `tokenEndpoints`: the audiences a client assertion may name (the token URL as the client saw it). */
  async authenticate(
    app: AppRegistration,
    credentials: ClientCredentials,
    tokenEndpoints: string[],
  ): Promise<'1' | '2'> {
    if (credentials.clientAssertion !== undefined || credentials.clientAssertionType !== undefined) {
      if (credentials.clientAssertionType !== JWT_BEARER_ASSERTION)
        throw Aadsts.invalidParameter('client_assertion_type');
      if (!credentials.clientAssertion) throw Aadsts.missingParameter('client_assertion');
      await this.checkAssertion(app, credentials.clientAssertion, tokenEndpoints);
      return '2';
    }
    if (credentials.clientSecret === undefined) throw Aadsts.missingClientCredential();
    this.checkSecret(app, credentials.clientSecret);
    return '1';
  }

  private checkSecret(app: AppRegistration, value: string): void {
    const secret = app.secrets.find((s) => sameSecret(s.value, value));
    if (!secret) throw Aadsts.invalidSecret(app.clientId);
    if (secret.expiresAt.getTime() <= this.clock.now().getTime()) throw Aadsts.expiredSecret(app.clientId);
  }

  private async checkAssertion(app: AppRegistration, assertion: string, tokenEndpoints: string[]): Promise<void> {
    const certificate = this.certificateFor(app, assertion);
    const publicKey = new X509Certificate(certificate.certificatePem).publicKey;
    let payload: Uint8Array;
    try {
      payload = (await compactVerify(assertion, publicKey, { algorithms: ['RS256', 'PS256'] })).payload;
    } catch {
      throw Aadsts.assertionSignature();
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(payload).toString('utf8'));
    } catch {
      throw Aadsts.assertionMalformed('the payload is not JSON');
    }
    const parsed = assertionClaims.safeParse(json);
    if (!parsed.success) throw Aadsts.assertionMalformed('aud, iss, sub, exp and jti are required');
    const claims = parsed.data;
    if (claims.iss.toLowerCase() !== app.clientId || claims.sub.toLowerCase() !== app.clientId)
      throw Aadsts.assertionSubject();
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const accepted = new Set(tokenEndpoints.map((u) => u.toLowerCase()));
    if (audiences.length !== 1 || !accepted.has(audiences[0].toLowerCase()))
      throw Aadsts.assertionMalformed('the audience is not this token endpoint');
    const now = Math.floor(this.clock.now().getTime() / 1000);
    // Microsoft allows five minutes of clock skew.
    if (claims.exp + 300 < now || (claims.nbf !== undefined && claims.nbf - 300 > now)) throw Aadsts.assertionTime();
    if (!this.replays.remember(app.clientId, claims.jti, assertion, claims.exp + 300, now)) {
      throw Aadsts.assertionMalformed('the jti was already used by another assertion');
    }
    if (certificate.expiresAt.getTime() <= this.clock.now().getTime()) throw Aadsts.assertionSignature();
  }

  /** PS256 assertions name the certificate by `x5t#S256`, RS256 ones by `x5t` (SHA-1). */
  private certificateFor(app: AppRegistration, assertion: string): AppCertificate {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      throw Aadsts.assertionMalformed('the assertion is not a JWT');
    }
    const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
    const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
    let certificate: AppCertificate | undefined;
    if (header.alg === 'PS256' && x5tS256) certificate = app.certificates.find((c) => c.x5tS256 === x5tS256);
    else if (header.alg === 'RS256' && x5t) certificate = app.certificates.find((c) => c.x5t === x5t);
    else if (header.alg === 'RS256' && x5tS256) certificate = app.certificates.find((c) => c.x5tS256 === x5tS256);
    else throw Aadsts.assertionMalformed('alg must be PS256 with x5t#S256 or RS256 with x5t');
    if (!certificate) throw Aadsts.assertionSignature();
    return certificate;
  }
}
