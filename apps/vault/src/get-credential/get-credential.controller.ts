import { Controller, Res, UseGuards } from '@nestjs/common';
import { ROUTES, type ParamsOf, type QueryOf } from '@authpipe/contract';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { ApiError } from '../common/api-error';
import { Route, RouteParams, RouteQuery } from '../common/route.decorator';
import { asTenantExternalId } from '../common/tenant-ids';
import { CredentialRefused, GetCredentialService, type ServedCredential } from './get-credential.service';

/** GET /v1/credentials/:provider: a valid access token of an installation or a user's connection. */
@UseGuards(ApiKeyGuard)
@Controller()
export class GetCredentialController {
  constructor(private readonly credentials: GetCredentialService) {}

  @Route(ROUTES.getCredential)
  async get(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.getCredential) { provider }: ParamsOf<typeof ROUTES.getCredential>,
    @RouteQuery(ROUTES.getCredential) query: QueryOf<typeof ROUTES.getCredential>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ServedCredential> {
    try {
      const served = await this.credentials.get(caller, {
        provider,
        tenantExternalId: asTenantExternalId(query.tenantId),
        subject:
          query.credentialFor === 'user'
            ? { credentialFor: 'user', userId: query.userId! }
            : { credentialFor: 'installation' },
        forceRefresh: query.forceRefresh === 'true',
      });
      // A token: no shared cache may keep it.
      reply.header('Cache-Control', 'no-store');
      return served;
    } catch (error) {
      if (!(error instanceof CredentialRefused)) throw error;
      if (error.extra.retryAfterSeconds !== undefined)
        reply.header('Retry-After', String(error.extra.retryAfterSeconds));
      throw new ApiError(error.code, error.message, {
        remediation: error.extra.remediation,
        details: error.extra.details,
      });
    }
  }
}
