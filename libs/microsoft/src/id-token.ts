// Verifies Microsoft id_tokens with jose against the cloud's JWKS, fetched through the library's
// HttpClient (so routes and extra CAs apply) and cached per key-set URL.
// https://learn.microsoft.com/en-us/entra/identity-platform/id-tokens
// https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-issuer
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { resolveCloud, type CloudConfig } from './clouds';
import { parseJsonBody, type HttpClient } from './http';

const jwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional() })).min(1) });

export const idTokenClaimsSchema = z.looseObject({
  iss: z.string(),
  aud: z.string(),
  sub: z.string(),
  oid: z.string(),
  tid: z.string(),
  exp: z.number(),
  iat: z.number(),
  nbf: z.number().optional(),
  nonce: z.string().optional(),
  preferred_username: z.string().optional(),
  name: z.string().optional(),
});
export type VerifiedIdTokenClaims = z.infer<typeof idTokenClaimsSchema>;

export type IdTokenErrorReason =
  | 'malformed'
  | 'invalid_signature'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'nonce_mismatch'
  | 'tenant_mismatch'
  | 'jwks_unavailable';

/** An id_token failed verification; the message names the check, never the token. */
export class IdTokenError extends Error {
  readonly code = 'invalid_id_token';

  constructor(
    readonly reason: IdTokenErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'IdTokenError';
  }
}

export interface VerifyIdTokenParams {
  idToken: string;
  cloud: CloudConfig;
  /** The authority's tenant segment (common, organizations, consumers, GUID or domain): where the keys are published. */
  authority: string;
  clientId: string;
  /** The nonce sent in the authorize request. */
  nonce: string;
  /** When known (a single-directory authority, or the installation's directory), `tid` must equal it. */
  expectedTenantId?: string;
}

export interface IdTokenVerifierOptions {
  http: HttpClient;
  now?: () => Date;
  /** Leeway for exp/nbf/iat, in seconds. Default 300, as Microsoft's libraries use. */
  clockToleranceSeconds?: number;
  /** How long a key set is reused before it is fetched again. Default one hour. */
  jwksTtlMs?: number;
}

/** Verifies id_tokens: signature (RS256, cloud JWKS), iss, aud, exp/nbf, nonce and tid. */
export class IdTokenVerifier {
  private readonly now: () => Date;
  private readonly keySets: LRUCache<string, Promise<JSONWebKeySet>>;

  constructor(private readonly options: IdTokenVerifierOptions) {
    this.now = options.now ?? (() => new Date());
    this.keySets = new LRUCache({ max: 100, ttl: options.jwksTtlMs ?? 3_600_000 });
  }

  /** Returns the verified claims or throws `IdTokenError`. */
  async verify(params: VerifyIdTokenParams): Promise<VerifiedIdTokenClaims> {
    const cloud = resolveCloud(params.cloud);
    const jwksUrl = `${cloud.loginUrl}/${encodeURIComponent(params.authority)}/discovery/v2.0/keys`;
    let payload: unknown;
    try {
      payload = await this.verifySignature(params, jwksUrl, false);
    } catch (error) {
      // A key rotated since the set was cached: fetch once more before failing.
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw mapJoseError(error);
      try {
        payload = await this.verifySignature(params, jwksUrl, true);
      } catch (retryError) {
        throw mapJoseError(retryError);
      }
    }
    const claims = idTokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new IdTokenError('malformed', 'The id_token lacks required claims (oid, tid, sub).');
    const c = claims.data;
    // Multi-tenant authorities issue per-directory issuers: the template's {tid} is the token's own tid.
    if (c.iss !== `${cloud.loginUrl}/${c.tid}/v2.0`)
      throw new IdTokenError(
        'invalid_issuer',
        'The id_token was issued by another issuer than this cloud for its directory.',
      );
    if (params.expectedTenantId !== undefined && c.tid.toLowerCase() !== params.expectedTenantId.toLowerCase()) {
      throw new IdTokenError('tenant_mismatch', 'The id_token belongs to another directory than expected.');
    }
    if (c.nonce !== params.nonce)
      throw new IdTokenError('nonce_mismatch', 'The id_token nonce does not match the sign-in request.');
    return c;
  }

  private async verifySignature(params: VerifyIdTokenParams, jwksUrl: string, refetch: boolean): Promise<unknown> {
    if (refetch) this.keySets.delete(jwksUrl);
    const jwks = createLocalJWKSet(await this.keySet(jwksUrl));
    const { payload } = await jwtVerify(params.idToken, jwks, {
      audience: params.clientId,
      algorithms: ['RS256'],
      clockTolerance: this.options.clockToleranceSeconds ?? 300,
      currentDate: this.now(),
      requiredClaims: ['exp', 'iat', 'tid', 'oid'],
    });
    return payload;
  }

  private keySet(url: string): Promise<JSONWebKeySet> {
    let pending = this.keySets.get(url);
    if (!pending) {
      pending = this.fetchKeySet(url);
      this.keySets.set(url, pending);
      pending.catch(() => this.keySets.delete(url));
    }
    return pending;
  }

  private async fetchKeySet(url: string): Promise<JSONWebKeySet> {
    let response;
    try {
      response = await this.options.http.request({ method: 'GET', url });
    } catch {
      throw new IdTokenError('jwks_unavailable', 'The signing keys of the cloud could not be fetched.');
    }
    const body = response.status === 200 ? parseJsonBody(response.body, jwksSchema) : null;
    if (body === null)
      throw new IdTokenError(
        'jwks_unavailable',
        `The signing keys of the cloud could not be read (HTTP ${response.status}).`,
      );
    return body;
  }
}

function mapJoseError(error: unknown): IdTokenError {
  if (error instanceof IdTokenError) return error;
  if (error instanceof joseErrors.JWTExpired) return new IdTokenError('expired', 'The id_token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return new IdTokenError('invalid_audience', 'The id_token was issued for another client.');
    if (error.claim === 'nbf' || error.claim === 'iat')
      return new IdTokenError('not_yet_valid', 'The id_token is not valid yet.');
    return new IdTokenError('malformed', `The id_token claim ${error.claim} is missing or invalid.`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) {
    return new IdTokenError('invalid_signature', 'The id_token signature does not verify against the cloud keys.');
  }
  return new IdTokenError('malformed', 'The id_token is not a valid signed JWT.');
}
