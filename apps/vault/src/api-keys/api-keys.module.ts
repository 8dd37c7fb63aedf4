import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { ProjectsModule } from '../projects/projects.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** Project secret keys and the guard of the /v1 API. */
@Module({
  imports: [ProjectsModule, BusModule],
  providers: [ApiKeysRepository, ApiKeysService, ApiKeyGuard],
  exports: [ApiKeysService, ApiKeyGuard],
})
export class ApiKeysModule {}
