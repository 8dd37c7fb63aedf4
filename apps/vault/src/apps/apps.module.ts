import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { EventsModule } from '../events/events.module';
import { ProvidersModule } from '../providers/providers.module';
import { AppsController } from './apps.controller';
import { AppsRepository } from './apps.repository';
import { AppsService } from './apps.service';
import { MICROSOFT_AUTH, microsoftAuthProvider } from './microsoft-auth.provider';

/** Provider apps (/v1/apps) and the MicrosoftAuth the flows use. Needs KeysModule (SecretsService). */
@Module({
  imports: [ApiKeysModule, ProvidersModule, EventsModule],
  controllers: [AppsController],
  providers: [AppsRepository, AppsService, microsoftAuthProvider],
  exports: [AppsService, AppsRepository, MICROSOFT_AUTH],
})
export class AppsModule {}
