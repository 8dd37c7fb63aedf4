import { Inject, Injectable } from '@nestjs/common';
import { CLOUDS } from '../../directory/clouds';
import { ACCESS_TOKEN_VERIFIER, type AccessTokenVerifier, InvalidAccessTokenError } from '../../directory/contracts';
import type { CloudName } from '../../directory/directory.types';
import { GraphError } from '../graph-error';
import { callerFromToken, type GraphCaller } from './graph-permissions';

/** Graph's own application id, named in its WWW-Authenticate challenge. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

const BEARER = /^Bearer\s+([^\s]+)\s*$/i;

/**
 * Turns the Authorization header into a caller. Every failure is 401 InvalidAuthenticationToken,
 * and no message ever repeats the presented token.
 * https://learn.microsoft.com/graph/resolve-auth-errors
 */
@Injectable()
export class GraphAuthenticator {
  constructor(@Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier: AccessTokenVerifier) {}

  async authenticate(authorization: string | undefined, cloud: CloudName): Promise<GraphCaller> {
    if (authorization === undefined || authorization.trim() === '') {
      throw GraphError.unauthenticated('Access token is empty.');
    }
    const bearer = BEARER.exec(authorization);
    if (!bearer)
      throw GraphError.unauthenticated(
        'Access token validation failure: the Authorization header is not a Bearer token.',
      );
    try {
      return callerFromToken(await this.verifier.verify(bearer[1], cloud));
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) {
        throw GraphError.unauthenticated(`Access token validation failure: ${error.reason}.`);
      }
      throw error;
    }
  }
}

/** The WWW-Authenticate challenge Graph sends with a 401, pointing at the cloud's login host. */
export function graphChallenge(cloud: CloudName): string {
  const authorize = `https://${CLOUDS[cloud].loginHost}/common/oauth2/authorize`;
  return `Bearer realm="", authorization_uri="${authorize}", client_id="${GRAPH_APP_ID}"`;
}
