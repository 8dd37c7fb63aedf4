import { Controller, UseGuards } from '@nestjs/common';
import { ROUTES } from '@authpipe/contract';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { Route } from '../common/route.decorator';
import { toProviderDto, type ProviderDto } from './provider.dto';
import { ProvidersRegistry } from './providers.registry';

/** GET /v1/providers: the providers, their scope catalogues and clouds. */
@UseGuards(ApiKeyGuard)
@Controller()
export class ProvidersController {
  constructor(private readonly providers: ProvidersRegistry) {}

  @Route(ROUTES.listProviders)
  list(): { data: ProviderDto[] } {
    return { data: this.providers.list().map(toProviderDto) };
  }
}
