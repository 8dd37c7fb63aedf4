import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CLOUDS } from '../directory/clouds';
import { DIRECTORY_STORE, EMULATOR_CLOCK, type DirectoryStore, type EmulatorClock } from '../directory/contracts';
import { SigningKeys } from '../keys/signing-keys';
import { Aadsts } from './aadsts';
import { sendJsonError } from './identity-errors';
import { loginOriginOf, resolveTenantSegment, type LoginOrigin, type TenantSegment } from './login-origin';

/** `{tenantid}` is kept literally in multi-tenant documents, as Microsoft does. */
function issuerOf(origin: LoginOrigin, tenant: TenantSegment): string {
  return `${origin.base}/${tenant.tenant?.id ?? '{tenantid}'}/v2.0`;
}

function pathSegmentOf(tenant: TenantSegment): string {
  return tenant.kind === 'tenant' ? tenant.tenant.id : tenant.segment;
}

/**
 * OpenID Connect discovery, the JWKS and msal's instance discovery.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
 */
@Controller()
export class DiscoveryController {
  constructor(
    @Inject(DIRECTORY_STORE) private readonly store: DirectoryStore,
    @Inject(EMULATOR_CLOCK) private readonly clock: EmulatorClock,
    @Inject(SigningKeys) private readonly keys: SigningKeys,
  ) {}

  @Get(':tenant/v2.0/.well-known/openid-configuration')
  openIdConfiguration(
    @Param('tenant') segment: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    try {
      const origin = loginOriginOf(request);
      const tenant = resolveTenantSegment(this.store, segment, origin.cloud);
      const base = `${origin.base}/${pathSegmentOf(tenant)}`;
      const cloud = CLOUDS[origin.cloud];
      return reply.header('cache-control', 'max-age=86400, private').send({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: issuerOf(origin, tenant),
        request_uri_parameter_supported: false,
        userinfo_endpoint: `https://${cloud.graphHost}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'oid',
          'email',
        ],
        tenant_region_scope: null,
        cloud_instance_name: cloud.loginHost.replace(/^login\./, ''),
        msgraph_host: cloud.graphHost,
      });
    } catch (error) {
      return sendJsonError(error, request, reply, this.clock);
    }
  }

  @Get(':tenant/discovery/v2.0/keys')
  keysDocument(
    @Param('tenant') segment: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    try {
      const origin = loginOriginOf(request);
      const tenant = resolveTenantSegment(this.store, segment, origin.cloud);
      return reply.header('cache-control', 'max-age=86400, private').send(this.keys.jwks(issuerOf(origin, tenant)));
    } catch (error) {
      return sendJsonError(error, request, reply, this.clock);
    }
  }

  /**
   * What msal asks before trusting an authority it does not know (`/common/discovery/instance?
   * api-version=1.1&authorization_endpoint=...`): the tenant discovery endpoint and host aliases.
   */
  @Get(':tenant/discovery/instance')
  instanceDiscovery(
    @Query('authorization_endpoint') authorizationEndpoint: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    try {
      if (!authorizationEndpoint) throw Aadsts.missingParameter('authorization_endpoint');
      let url: URL;
      try {
        url = new URL(authorizationEndpoint);
      } catch {
        throw Aadsts.invalidParameter('authorization_endpoint');
      }
      const tenantSegment = url.pathname.split('/').filter(Boolean)[0] ?? 'common';
      const host = url.host;
      return reply.send({
        tenant_discovery_endpoint: `https://${host}/${tenantSegment}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    } catch (error) {
      return sendJsonError(error, request, reply, this.clock);
    }
  }
}
