import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../../api-keys/api-keys.service';
import { CurrentProject } from '../../api-keys/current-project.decorator';
import { openApiSchema } from '../../apps/openapi-schema';
import { createConnectSessionSchema, type ConnectSessionCreatedDto } from './connect-session.dto';
import { ConnectSessionsService } from './connect-sessions.service';

/** POST /v1/connect-sessions: a short-lived token and URL for the frontend to start a flow. */
@ApiTags('connect-sessions')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/connect-sessions')
export class ConnectSessionsController {
  constructor(private readonly sessions: ConnectSessionsService) {}

  @Post()
  @ApiOperation({ summary: 'Mint a connect session {token, url, expiresAt} for one tenant (and user) and provider' })
  @ApiBody({ schema: openApiSchema(createConnectSessionSchema) })
  create(@CurrentProject() caller: AuthenticatedProject, @Body() body: unknown): Promise<ConnectSessionCreatedDto> {
    // The service validates the body: its rules need the app (origins, scopes).
    return this.sessions.create(caller.projectId, body);
  }
}
