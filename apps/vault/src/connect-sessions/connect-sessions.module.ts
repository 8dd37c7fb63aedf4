import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AppsModule } from '../apps/apps.module';
import { ConnectionsModule } from '../connections/connections.module';
import { EventsModule } from '../events/events.module';
import { InstallationsModule } from '../installations/installations.module';
import { ProvidersModule } from '../providers/providers.module';
import { ConnectSessionsController } from './connect-sessions.controller';
import { ConnectSessionsRepository } from './connect-sessions.repository';
import { ConnectSessionsService } from './connect-sessions.service';

/** Connect sessions (POST /v1/connect-sessions) and their verify/consume for the OAuth flows. */
@Module({
  imports: [ApiKeysModule, AppsModule, ProvidersModule, EventsModule, InstallationsModule, ConnectionsModule],
  controllers: [ConnectSessionsController],
  providers: [ConnectSessionsRepository, ConnectSessionsService],
  exports: [ConnectSessionsService, ConnectSessionsRepository],
})
export class ConnectSessionsModule {}
