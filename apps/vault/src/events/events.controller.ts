import { Controller, UseGuards } from '@nestjs/common';
import { ROUTES, type QueryOf } from '@authpipe/contract';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { Route, RouteQuery } from '../common/route.decorator';
import type { EventPageDto } from './event.dto';
import { EventsService } from './events.service';

/** GET /v1/events: the project's event log, oldest first, cursor-paginated. */
@UseGuards(ApiKeyGuard)
@Controller()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Route(ROUTES.listEvents)
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteQuery(ROUTES.listEvents) query: QueryOf<typeof ROUTES.listEvents>,
  ): Promise<EventPageDto> {
    return this.events.list(caller.projectId, query);
  }
}
