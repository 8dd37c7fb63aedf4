import { Controller, UseGuards } from '@nestjs/common';
import { ROUTES, type ParamsOf, type QueryOf } from '@authpipe/contract';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { Route, RouteParams, RouteQuery } from '../common/route.decorator';
import type { InstallationDto, PageDto } from './installation.dto';
import { InstallationsService } from './installations.service';

type Id = ParamsOf<typeof ROUTES.getInstallation>;

/** /v1/installations: the project's installations (never their tokens). */
@UseGuards(ApiKeyGuard)
@Controller()
export class InstallationsController {
  constructor(private readonly installations: InstallationsService) {}

  @Route(ROUTES.listInstallations)
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteQuery(ROUTES.listInstallations) query: QueryOf<typeof ROUTES.listInstallations>,
  ): Promise<PageDto<InstallationDto>> {
    return this.installations.list(caller.projectId, query);
  }

  @Route(ROUTES.getInstallation)
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.getInstallation) { id }: Id,
  ): Promise<InstallationDto> {
    return this.installations.get(caller.projectId, id);
  }

  @Route(ROUTES.deleteInstallation)
  async delete(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.deleteInstallation) { id }: Id,
  ): Promise<void> {
    await this.installations.delete(caller.projectId, id);
  }
}
