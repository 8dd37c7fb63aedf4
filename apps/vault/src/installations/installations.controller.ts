import { Controller, Delete, Get, HttpCode, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import {
  listCredentialsQuerySchema,
  recordIdSchema,
  type InstallationDto,
  type ListCredentialsQuery,
  type PageDto,
} from './installation.dto';
import { InstallationsService } from './installations.service';

/** /v1/installations: the project's installations (never their tokens). */
@ApiTags('installations')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/installations')
export class InstallationsController {
  constructor(private readonly installations: InstallationsService) {}

  @Get()
  @ApiOperation({ summary: 'Installations, filtered by tenantId, provider, status; cursor-paginated' })
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @Query(new ZodValidationPipe(listCredentialsQuerySchema)) query: ListCredentialsQuery,
  ): Promise<PageDto<InstallationDto>> {
    return this.installations.list(caller.projectId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One installation' })
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(recordIdSchema)) id: string,
  ): Promise<InstallationDto> {
    return this.installations.get(caller.projectId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an installation and its token' })
  async delete(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(recordIdSchema)) id: string,
  ): Promise<void> {
    await this.installations.delete(caller.projectId, id);
  }
}
