import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { EventsModule } from '../events/events.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { InstallationsController } from './installations.controller';
import { InstallationsRepository } from './installations.repository';
import { InstallationsService } from './installations.service';

/** Installations (/v1/installations) and the write of the admin-consent flow. */
@Module({
  imports: [ApiKeysModule, EventsModule, CredentialsModule],
  controllers: [InstallationsController],
  providers: [InstallationsRepository, InstallationsService],
  exports: [InstallationsService],
})
export class InstallationsModule {}
