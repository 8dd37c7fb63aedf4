import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module';
import { AppsRepository } from '../apps/apps.repository';
import { ConnectSessionsModule } from '../connect-sessions/connect-sessions.module';
import { ConnectSessionsRepository } from '../connect-sessions/connect-sessions.repository';
import { ConnectionsModule } from '../connections/connections.module';
import { EventsModule } from '../events/events.module';
import { InstallationsModule } from '../installations/installations.module';
import { MicrosoftModule } from '../microsoft/microsoft.module';
import { AdminConsentService } from './admin-consent.service';
import { FlowAppsService } from './flow-apps';
import { FlowRuns } from './flow-run';
import { FlowStatesService } from './flow-states.service';
import { OAuthController } from './oauth.controller';
import { OAuthStatesRepository } from './oauth-states.repository';
import { UserAuthorizationService } from './user-authorization.service';

/**
 * The OAuth callbacks (/oauth/admin-consent/callback, /oauth/callback) and what the flows share:
 * states, the app side (the Microsoft gateway comes from MicrosoftModule). The repositories of apps and connect sessions are
 * provided here too because their modules export services only and the flows need row access
 * (a session by id, an app's status) those services do not offer.
 */
@Module({
  imports: [AppsModule, ConnectSessionsModule, InstallationsModule, ConnectionsModule, EventsModule, MicrosoftModule],
  controllers: [OAuthController],
  providers: [
    OAuthStatesRepository,
    FlowStatesService,
    FlowAppsService,
    FlowRuns,
    AdminConsentService,
    UserAuthorizationService,
    AppsRepository,
    ConnectSessionsRepository,
  ],
  exports: [
    MicrosoftModule,
    FlowStatesService,
    FlowAppsService,
    FlowRuns,
    AppsModule,
    ConnectSessionsModule,
    InstallationsModule,
    ConnectionsModule,
  ],
})
export class OAuthModule {}
