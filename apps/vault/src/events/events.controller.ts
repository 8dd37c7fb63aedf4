import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { listEventsQuerySchema, type EventPageDto, type ListEventsQuery } from './event.dto';
import { EventsService } from './events.service';

/** GET /v1/events: the project's event log, oldest first, cursor-paginated. */
@ApiTags('events')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({ summary: "The project's events (installation.created, connection.created, app.checked ...)" })
  @ApiQuery({ name: 'tenantId', required: false })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({ name: 'credentialId', required: false })
  @ApiQuery({ name: 'appId', required: false })
  @ApiQuery({ name: 'since', required: false, description: 'ISO date: events created at or after it' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @Query(new ZodValidationPipe(listEventsQuerySchema)) query: ListEventsQuery,
  ): Promise<EventPageDto> {
    return this.events.list(caller.projectId, query);
  }
}
