import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { EventsModule } from '../events/events.module';
import { ProvidersModule } from '../providers/providers.module';
import { AppsController } from './apps.controller';
import { AppsRepository } from './apps.repository';
import { AppsService } from './apps.service';
import { CertificateReader } from './certificate-reader';
import { MicrosoftModule } from '../microsoft/microsoft.module';

/** Provider apps (/v1/apps) and their check against Microsoft. Needs KeysModule (SecretsService). */
@Module({
  imports: [ApiKeysModule, ProvidersModule, EventsModule, MicrosoftModule, CredentialsModule],
  controllers: [AppsController],
  providers: [AppsRepository, AppsService, CertificateReader],
  exports: [AppsService, AppsRepository],
})
export class AppsModule {}
