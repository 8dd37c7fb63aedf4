import { z } from 'zod';
import { CLOUDS, graphResource } from '../directory/clouds';
import { InvalidAccessTokenError, type AccessTokenVerifier, type EmulatorClock } from '../directory/contracts';
import type { CloudName, VerifiedAccessToken } from '../directory/directory.types';
import type { InMemoryDirectoryStore } from '../directory/in-memory-directory.store';
import type { SigningKeys } from '../keys/signing-keys';
import { hasDelegatedConsent } from './consent';

const accessTokenClaims = z.object({
  aud: z.string(),
  iss: z.string(),
  tid: z.string(),
  oid: z.string(),
  appid: z.string(),
  iat: z.number(),
  nbf: z.number(),
  exp: z.number(),
  scp: z.string().optional(),
  roles: z.array(z.string()).optional(),
  idtyp: z.enum(['user', 'app']),
});

/**
 * Checks access tokens the emulator issued, for its Graph: signature, the cloud's issuer and
 * Graph audience, lifetime by the emulator clock, and that the user's sessions and the consent
 * behind the token still stand (so a revoke or consent removal in the control API shows at Graph).
 */
export class EmulatorAccessTokenVerifier implements AccessTokenVerifier {
  constructor(
    private readonly keys: SigningKeys,
    private readonly store: InMemoryDirectoryStore,
    private readonly clock: EmulatorClock,
  ) {}

  async verify(token: string, cloud: CloudName): Promise<VerifiedAccessToken> {
    let payload: unknown;
    try {
      payload = (await this.keys.verifySignature(token)).payload;
    } catch {
      throw new InvalidAccessTokenError('signature verification failed');
    }
    const parsed = accessTokenClaims.safeParse(payload);
    if (!parsed.success) throw new InvalidAccessTokenError('token is not an access token');
    const claims = parsed.data;
    if (claims.aud !== graphResource(cloud)) throw new InvalidAccessTokenError('invalid audience');
    if (claims.iss !== `https://${CLOUDS[cloud].stsHost}/${claims.tid}/`)
      throw new InvalidAccessTokenError('invalid issuer');
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    if (claims.exp <= nowSeconds) throw new InvalidAccessTokenError('token is expired');
    if (claims.nbf > nowSeconds) throw new InvalidAccessTokenError('token is not yet valid');
    this.checkStillGranted(claims);
    return {
      tid: claims.tid,
      oid: claims.oid,
      appid: claims.appid,
      aud: claims.aud,
      iss: claims.iss,
      cloud,
      scp: claims.scp === undefined ? null : claims.scp.split(' ').filter(Boolean),
      roles: claims.roles ?? null,
      exp: claims.exp,
    };
  }

  private checkStillGranted(claims: z.infer<typeof accessTokenClaims>): void {
    if (!this.store.findTenant(claims.tid)) throw new InvalidAccessTokenError('unknown tenant');
    if (claims.idtyp === 'app') {
      if (!this.store.findAdminConsent(claims.tid, claims.appid)) throw new InvalidAccessTokenError('consent removed');
      return;
    }
    const user = this.store.findUser(claims.tid, claims.oid);
    if (!user || !user.accountEnabled) throw new InvalidAccessTokenError('user not found or disabled');
    if (user.refreshTokensValidFrom && user.refreshTokensValidFrom.getTime() > claims.iat * 1000) {
      throw new InvalidAccessTokenError('user sessions revoked');
    }
    if (!hasDelegatedConsent(this.store, claims.tid, claims.oid, claims.appid))
      throw new InvalidAccessTokenError('consent removed');
  }
}
