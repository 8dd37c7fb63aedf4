import { Body, Controller, UseGuards } from '@nestjs/common';
import { ROUTES, type ParamsOf, type QueryOf } from '@authpipe/contract';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { Route, RouteParams, RouteQuery } from '../common/route.decorator';
import type { AppCheckDto, AppDto } from './app.dto';
import { AppsService } from './apps.service';

type Id = ParamsOf<typeof ROUTES.getApp>;

/** /v1/apps: the project's provider apps. Credentials are write-only. */
@UseGuards(ApiKeyGuard)
@Controller()
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Route(ROUTES.createApp)
  create(@CurrentProject() caller: AuthenticatedProject, @Body() body: unknown): Promise<AppDto> {
    // The service validates the body (ROUTES.createApp.body): it owns the rules (scope catalogue, certificates).
    return this.apps.create(caller.projectId, body);
  }

  @Route(ROUTES.listApps)
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteQuery(ROUTES.listApps) query: QueryOf<typeof ROUTES.listApps>,
  ): Promise<{ data: AppDto[]; nextCursor: string | null }> {
    return this.apps.list(caller.projectId, query);
  }

  @Route(ROUTES.getApp)
  get(@CurrentProject() caller: AuthenticatedProject, @RouteParams(ROUTES.getApp) { id }: Id): Promise<AppDto> {
    return this.apps.get(caller.projectId, id);
  }

  @Route(ROUTES.updateApp)
  update(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.updateApp) { id }: Id,
    @Body() body: unknown,
  ): Promise<AppDto> {
    return this.apps.update(caller.projectId, id, body);
  }

  @Route(ROUTES.deleteApp)
  async delete(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.deleteApp) { id }: Id,
  ): Promise<void> {
    await this.apps.delete(caller.projectId, id);
  }

  @Route(ROUTES.checkApp)
  check(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.checkApp) { id }: Id,
  ): Promise<AppCheckDto> {
    return this.apps.check(caller.projectId, id);
  }
}
