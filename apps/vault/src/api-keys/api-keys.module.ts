import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** Project secret keys and the guard of the /v1 API. */
@Module({
  imports: [ProjectsModule],
  providers: [ApiKeysRepository, ApiKeysService, ApiKeyGuard],
  exports: [ApiKeysService, ApiKeyGuard],
})
export class ApiKeysModule {}
