import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { ApiError } from '../common/api-error';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { getCredentialParamsSchema, getCredentialQuerySchema, type GetCredentialQuery } from './get-credential.dto';
import { CredentialRefused, GetCredentialService, type ServedCredential } from './get-credential.service';

/** GET /v1/credentials/:provider: a valid access token of an installation or a user's connection. */
@ApiTags('credentials')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/credentials')
export class GetCredentialController {
  constructor(private readonly credentials: GetCredentialService) {}

  @Get(':provider')
  @ApiOperation({ summary: "A valid access token of the tenant's installation or of one of its users" })
  async get(
    @CurrentProject() caller: AuthenticatedProject,
    @Param(new ZodValidationPipe(getCredentialParamsSchema)) { provider }: { provider: string },
    @Query(new ZodValidationPipe(getCredentialQuerySchema)) query: GetCredentialQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ServedCredential> {
    try {
      const served = await this.credentials.get(caller, {
        provider,
        tenantId: query.tenantId,
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
