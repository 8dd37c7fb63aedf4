import { Controller, UseGuards } from '@nestjs/common';
import { ROUTES, type BodyOf, type ParamsOf, type QueryOf } from '@authpipe/contract';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { Route, RouteBody, RouteParams, RouteQuery } from '../common/route.decorator';
import type { DeliveryDto, WebhookEndpointDto } from './webhook.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsService, type EndpointWithSecret } from './webhook-endpoints.service';

type Page<T> = { data: T[]; nextCursor: string | null };

/** /v1/webhook-endpoints: where the project's events are delivered (Standard Webhooks), with the delivery log. */
@UseGuards(ApiKeyGuard)
@Controller()
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Route(ROUTES.createWebhookEndpoint)
  create(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteBody(ROUTES.createWebhookEndpoint) body: BodyOf<typeof ROUTES.createWebhookEndpoint>,
  ): Promise<EndpointWithSecret> {
    return this.endpoints.create(caller.projectId, body);
  }

  @Route(ROUTES.listWebhookEndpoints)
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteQuery(ROUTES.listWebhookEndpoints) query: QueryOf<typeof ROUTES.listWebhookEndpoints>,
  ): Promise<Page<WebhookEndpointDto>> {
    return this.endpoints.list(caller.projectId, query);
  }

  @Route(ROUTES.getWebhookEndpoint)
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.getWebhookEndpoint) { id }: ParamsOf<typeof ROUTES.getWebhookEndpoint>,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.get(caller.projectId, id);
  }

  @Route(ROUTES.updateWebhookEndpoint)
  update(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.updateWebhookEndpoint) { id }: ParamsOf<typeof ROUTES.updateWebhookEndpoint>,
    @RouteBody(ROUTES.updateWebhookEndpoint) body: BodyOf<typeof ROUTES.updateWebhookEndpoint>,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.update(caller.projectId, id, body);
  }

  @Route(ROUTES.deleteWebhookEndpoint)
  async delete(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.deleteWebhookEndpoint) { id }: ParamsOf<typeof ROUTES.deleteWebhookEndpoint>,
  ): Promise<void> {
    await this.endpoints.delete(caller.projectId, id);
  }

  @Route(ROUTES.rotateWebhookSecret)
  rotate(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.rotateWebhookSecret) { id }: ParamsOf<typeof ROUTES.rotateWebhookSecret>,
    @RouteBody(ROUTES.rotateWebhookSecret) body: BodyOf<typeof ROUTES.rotateWebhookSecret>,
  ): Promise<EndpointWithSecret> {
    return this.endpoints.rotateSecret(caller.projectId, id, body);
  }

  @Route(ROUTES.listWebhookDeliveries)
  listDeliveries(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.listWebhookDeliveries) { id }: ParamsOf<typeof ROUTES.listWebhookDeliveries>,
    @RouteQuery(ROUTES.listWebhookDeliveries) query: QueryOf<typeof ROUTES.listWebhookDeliveries>,
  ): Promise<Page<DeliveryDto>> {
    return this.deliveries.list(caller.projectId, id, query);
  }

  @Route(ROUTES.replayWebhookDelivery)
  replayOne(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.replayWebhookDelivery) { id, deliveryId }: ParamsOf<typeof ROUTES.replayWebhookDelivery>,
  ): Promise<{ replayed: number }> {
    return this.deliveries.replayOne(caller.projectId, id, deliveryId);
  }

  @Route(ROUTES.replayWebhookDeliveries)
  replayRange(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteParams(ROUTES.replayWebhookDeliveries) { id }: ParamsOf<typeof ROUTES.replayWebhookDeliveries>,
    @RouteBody(ROUTES.replayWebhookDeliveries) body: BodyOf<typeof ROUTES.replayWebhookDeliveries>,
  ): Promise<{ replayed: number }> {
    return this.deliveries.replayRange(caller.projectId, id, body);
  }
}
