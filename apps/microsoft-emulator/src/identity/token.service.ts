import { Aadsts } from './aadsts';
import type { ClientAuthenticator } from './client-authentication';
import type { Grants } from './grants';
import type { InMemoryDirectoryStore } from '../directory/in-memory-directory.store';
import type { TokenResponse } from '../tokens/token-issuer';
import { resolveTenantSegment, type LoginOrigin } from './login-origin';
import { basicCredentials, required, tokenRequestSchema } from './token-request';

/**
 * The token endpoint's logic: tenant, grant type, client, client authentication, then the grant.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 */
export class TokenService {
  constructor(
    private readonly store: InMemoryDirectoryStore,
    private readonly authenticator: ClientAuthenticator,
    private readonly grants: Grants,
  ) {}

  async token(
    tenantSegment: string,
    body: unknown,
    authorization: string | undefined,
    origin: LoginOrigin,
  ): Promise<TokenResponse> {
    const tenant = resolveTenantSegment(this.store, tenantSegment, origin.cloud);
    const parsed = tokenRequestSchema.safeParse(body ?? {});
    if (!parsed.success) throw Aadsts.invalidParameter(String(parsed.error.issues[0]?.path[0] ?? 'body'));
    const request = parsed.data;
    const grantType = required(request, 'grant_type', Aadsts.missingParameter);
    if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType))
      throw Aadsts.unsupportedGrant(grantType);
    const basic = basicCredentials(authorization);
    const clientId = request.client_id ?? basic?.clientId;
    if (!clientId) throw Aadsts.missingParameter('client_id');
    const app = this.store.findApp(clientId);
    if (!app) throw Aadsts.appNotFound(clientId, tenant.tenant?.id ?? tenantSegment);
    const tokenEndpoints = [`${origin.base}/${tenantSegment}/oauth2/v2.0/token`];
    if (tenant.tenant) tokenEndpoints.push(`${origin.base}/${tenant.tenant.id}/oauth2/v2.0/token`);
    const appidacr = await this.authenticator.authenticate(
      app,
      {
        clientSecret: request.client_secret ?? basic?.clientSecret,
        clientAssertion: request.client_assertion,
        clientAssertionType: request.client_assertion_type,
      },
      tokenEndpoints,
    );
    const ctx = { request, app, appidacr, origin, tenant };
    switch (grantType) {
      case 'authorization_code':
        return this.grants.authorizationCode(ctx);
      case 'refresh_token':
        return this.grants.refreshToken(ctx);
      default:
        return this.grants.clientCredentials(ctx);
    }
  }
}
