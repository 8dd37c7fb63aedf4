import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ProvidersController } from './providers.controller';
import { ProvidersRegistry } from './providers.registry';

/** The provider catalogue (GET /v1/providers) and scope validation for apps. */
@Module({
  imports: [ApiKeysModule],
  controllers: [ProvidersController],
  providers: [ProvidersRegistry],
  exports: [ProvidersRegistry],
})
export class ProvidersModule {}
