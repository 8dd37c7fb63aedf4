import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { EventsModule } from '../events/events.module';
import { CredentialHistoryRepository } from './credential-history.repository';
import { InstallationsController } from './installations.controller';
import { InstallationsRepository } from './installations.repository';
import { InstallationsService } from './installations.service';

/** Installations (/v1/installations) and the credential history shared with connections. */
@Module({
  imports: [ApiKeysModule, EventsModule],
  controllers: [InstallationsController],
  providers: [InstallationsRepository, InstallationsService, CredentialHistoryRepository],
  exports: [InstallationsService, CredentialHistoryRepository],
})
export class InstallationsModule {}
