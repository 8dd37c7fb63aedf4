import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { toProviderDto, type ProviderDto } from './provider.dto';
import { ProvidersRegistry } from './providers.registry';

/** GET /v1/providers: the providers, their scope catalogues and clouds. */
@ApiTags('providers')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Providers with their scopes (and what each allows) and supported clouds' })
  list(): { data: ProviderDto[] } {
    return { data: this.providers.list().map(toProviderDto) };
  }
}
