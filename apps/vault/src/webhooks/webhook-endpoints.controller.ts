import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { pageQuerySchema } from '../common/cursor';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import {
  createEndpointSchema,
  deliveryIdSchema,
  endpointIdSchema,
  listDeliveriesQuerySchema,
  replayRangeSchema,
  rotateSecretSchema,
  updateEndpointSchema,
  type CreateEndpointInput,
  type DeliveryDto,
  type ListDeliveriesQuery,
  type ReplayRangeInput,
  type RotateSecretInput,
  type UpdateEndpointInput,
  type WebhookEndpointDto,
} from './webhook.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsService, type EndpointWithSecret } from './webhook-endpoints.service';

type Page<T> = { data: T[]; nextCursor: string | null };

/** /v1/webhook-endpoints: where the project's events are delivered (Standard Webhooks), with the delivery log. */
@ApiTags('webhooks')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Add an endpoint; answers its whsec_ signing secret, this once' })
  create(
    @CurrentProject() caller: AuthenticatedProject,
    @Body(new ZodValidationPipe(createEndpointSchema)) body: CreateEndpointInput,
  ): Promise<EndpointWithSecret> {
    return this.endpoints.create(caller.projectId, body);
  }

  @Get()
  @ApiOperation({ summary: "The project's endpoints (never their secrets); cursor-paginated" })
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @Query(new ZodValidationPipe(pageQuerySchema)) query: { limit: number; cursor?: string },
  ): Promise<Page<WebhookEndpointDto>> {
    return this.endpoints.list(caller.projectId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One endpoint' })
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(endpointIdSchema)) id: string,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.get(caller.projectId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the URL, description, event types, or disable' })
  update(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(endpointIdSchema)) id: string,
    @Body(new ZodValidationPipe(updateEndpointSchema)) body: UpdateEndpointInput,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.update(caller.projectId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the endpoint, its secrets and its delivery log' })
  async delete(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(endpointIdSchema)) id: string,
  ): Promise<void> {
    await this.endpoints.delete(caller.projectId, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret (answered once); the old ones sign beside it for the overlap' })
  rotate(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(endpointIdSchema)) id: string,
    @Body(new ZodValidationPipe(rotateSecretSchema)) body: RotateSecretInput,
  ): Promise<EndpointWithSecret> {
    return this.endpoints.rotateSecret(caller.projectId, id, body ?? {});
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The delivery log, oldest first, filtered by status or eventId' })
  listDeliveries(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(endpointIdSchema)) id: string,
    @Query(new ZodValidationPipe(listDeliveriesQuerySchema)) query: ListDeliveriesQuery,
  ): Promise<Page<DeliveryDto>> {
    return this.deliveries.list(caller.projectId, id, query);
  }

  @Post(':id/deliveries/:deliveryId/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one delivery again' })
  replayOne(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(endpointIdSchema)) id: string,
    @Param('deliveryId', new ZodValidationPipe(deliveryIdSchema)) deliveryId: string,
  ): Promise<{ replayed: number }> {
    return this.deliveries.replayOne(caller.projectId, id, deliveryId);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send again every delivery created in [since, until)' })
  replayRange(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(endpointIdSchema)) id: string,
    @Body(new ZodValidationPipe(replayRangeSchema)) body: ReplayRangeInput,
  ): Promise<{ replayed: number }> {
    return this.deliveries.replayRange(caller.projectId, id, body);
  }
}
