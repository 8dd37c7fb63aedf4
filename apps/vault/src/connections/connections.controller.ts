import { Controller, UseGuards } from '@nestjs/common';
import { ROUTES, type ParamsOf, type QueryOf } from '@authpipe/contract';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { Route, RouteParams, RouteQuery } from '../common/route.decorator';
import type { PageDto } from '../installations/installation.dto';
import type { ConnectionDto } from './connection.dto';
import { ConnectionsService } from './connections.service';

type Id = ParamsOf<typeof ROUTES.getConnection>;

/** /v1/connections: the project's connections (never their tokens). */
@UseGuards(ApiKeyGuard)
@Controller()
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Route(ROUTES.listConnections)
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteQuery(ROUTES.listConnections) query: QueryOf<typeof ROUTES.listConnections>,
  ): Promise<PageDto<ConnectionDto>> {
    return this.connections.list(caller.projectId, query);
  }

  @Route(ROUTES.getConnection)
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.getConnection) { id }: Id,
  ): Promise<ConnectionDto> {
    return this.connections.get(caller.projectId, id);
  }

  @Route(ROUTES.deleteConnection)
  async delete(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.deleteConnection) { id }: Id,
  ): Promise<void> {
    await this.connections.delete(caller.projectId, id);
  }
}
