import { Body, Controller, UseGuards } from '@nestjs/common';
import { ROUTES } from '@authpipe/contract';
import { ApiKeyGuard } from '../../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../../api-keys/api-keys.service';
import { CurrentProject } from '../../api-keys/current-project.decorator';
import { Route } from '../../common/route.decorator';
import type { ConnectSessionCreatedDto } from './connect-session.dto';
import { ConnectSessionsService } from './connect-sessions.service';

/** POST /v1/connect-sessions: a short-lived token and URL for the frontend to start a flow. */
@UseGuards(ApiKeyGuard)
@Controller()
export class ConnectSessionsController {
  constructor(private readonly sessions: ConnectSessionsService) {}

  @Route(ROUTES.createConnectSession)
  create(@CurrentProject() caller: AuthenticatedProject, @Body() body: unknown): Promise<ConnectSessionCreatedDto> {
    // The service validates the body (ROUTES.createConnectSession.body): its rules need the app (origins, scopes).
    return this.sessions.create(caller.projectId, body);
  }
}
