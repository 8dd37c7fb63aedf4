import { Controller, UseGuards } from '@nestjs/common';
import { ROUTES, type ParamsOf, type QueryOf } from '@authpipe/contract';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { Route, RouteParams, RouteQuery } from '../common/route.decorator';
import type { TenantDto, TenantPageDto } from './tenant.dto';
import { TenantsService } from './tenants.service';

/** GET /v1/tenants and GET /v1/tenants/:tenantId. */
@UseGuards(ApiKeyGuard)
@Controller()
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Route(ROUTES.listTenants)
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteQuery(ROUTES.listTenants) query: QueryOf<typeof ROUTES.listTenants>,
  ): Promise<TenantPageDto> {
    return this.tenants.list(caller.projectId, query);
  }

  @Route(ROUTES.getTenant)
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.getTenant) { tenantId }: ParamsOf<typeof ROUTES.getTenant>,
  ): Promise<TenantDto> {
    return this.tenants.get(caller.projectId, tenantId);
  }
}
