import { Controller, Delete, Get, HttpCode, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import {
  listCredentialsQuerySchema,
  recordIdSchema,
  type ListCredentialsQuery,
  type PageDto,
} from '../installations/installation.dto';
import type { ConnectionDto } from './connection.dto';
import { ConnectionsService } from './connections.service';

/** /v1/connections: the project's user connections (never their tokens). */
@ApiTags('connections')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  @ApiOperation({ summary: 'Connections, filtered by tenantId, provider, status; cursor-paginated' })
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @Query(new ZodValidationPipe(listCredentialsQuerySchema)) query: ListCredentialsQuery,
  ): Promise<PageDto<ConnectionDto>> {
    return this.connections.list(caller.projectId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One connection' })
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(recordIdSchema)) id: string,
  ): Promise<ConnectionDto> {
    return this.connections.get(caller.projectId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a connection and its tokens' })
  async delete(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(recordIdSchema)) id: string,
  ): Promise<void> {
    await this.connections.delete(caller.projectId, id);
  }
}
