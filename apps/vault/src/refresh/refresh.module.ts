import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module';
import { ConnectModule } from '../connect/connect.module';
import { ConnectionsModule } from '../connections/connections.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { InstallationsModule } from '../installations/installations.module';
import { MicrosoftModule } from '../microsoft/microsoft.module';
import { ActionLinks } from './action-links';
import { RefreshService } from './refresh.service';

/** Keeping credentials valid: the shared refresh (and, next, the scheduler in every replica). */
@Module({
  imports: [CredentialsModule, InstallationsModule, ConnectionsModule, AppsModule, MicrosoftModule, ConnectModule],
  providers: [RefreshService, ActionLinks],
  exports: [RefreshService, ActionLinks],
})
export class RefreshModule {}
