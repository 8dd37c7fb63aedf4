import { createPrivateKey, createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, exportJWK, jwtVerify, type JWK, type JWTPayload, type JWTVerifyResult } from 'jose';
import { loadOrCreate } from '../tls/key-files';

const generateRsa = promisify(generateKeyPair);
const signAsync = promisify(sign);

/** One entry of the JWKS, shaped as Microsoft publishes them at /discovery/v2.0/keys. */
export interface PublishedJwk extends JWK {
  kid: string;
  use: 'sig';
  kty: 'RSA';
}

/**
 * The emulator's RS256 token-signing key. Loaded once (from the data directory when there is
 * one, so tokens and cached JWKS stay valid across restarts) and kept as KeyObjects: signing a
 * token does no parsing or key import on the hot path.
 */
export class SigningKeys {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    readonly kid: string,
    private readonly jwk: PublishedJwk,
  ) {
    this.encodedHeader = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid })).toString('base64url');
  }

  private readonly encodedHeader: string;

  static async loadOrCreate(dir: string | null): Promise<SigningKeys> {
    const { privateKeyPem } = await loadOrCreate(dir, { privateKeyPem: 'signing.key' }, async () => {
      const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
      return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    });
    const privateKey = createPrivateKey(privateKeyPem);
    const publicKey = createPublicKey(privateKey);
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    return new SigningKeys(privateKey, publicKey, kid, { kty: 'RSA', use: 'sig', kid, n: publicJwk.n, e: publicJwk.e });
  }

  /** The JWKS document; `issuer` is what Microsoft adds to each key of a v2.0 keys document. */
  jwks(issuer: string): { keys: PublishedJwk[] } {
    return { keys: [{ ...this.jwk, issuer } as PublishedJwk] };
  }

  /**
   * Signs claims as a compact RS256 JWS. The RSA operation runs on libuv's thread pool (the
   * callback form of crypto.sign), so signing never blocks the event loop and uses every core:
   * this is what bounds the token endpoint's throughput.
   */
  async sign(claims: JWTPayload): Promise<string> {
    const input = `${this.encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = await signAsync('sha256', Buffer.from(input), this.privateKey);
    return `${input}.${signature.toString('base64url')}`;
  }

  /** Signature check only; callers check issuer, audience and lifetime against their own clock. */
  verifySignature(token: string): Promise<JWTVerifyResult> {
    // jose would check exp/nbf against the wall clock; the emulator's clock can be moved, so a
    // wide tolerance hands the lifetime check to the caller.
    return jwtVerify(token, this.publicKey, { algorithms: ['RS256'], clockTolerance: 100 * 365 * 24 * 3600 });
  }
}
