import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module';
import { ConnectSessionsModule } from '../connect-sessions/connect-sessions.module';
import { ConnectionsModule } from '../connections/connections.module';
import { EventsModule } from '../events/events.module';
import { InstallationsModule } from '../installations/installations.module';
import { MicrosoftModule } from '../microsoft/microsoft.module';
import { AdminConsentService } from './admin-consent.service';
import { AdminSignInService } from './admin-sign-in.service';
import { ExpiredFlowsJob } from './expired-flows.job';
import { FlowAppsService } from './flow-apps';
import { FlowRuns } from './flow-run';
import { FlowStatesService } from './flow-states.service';
import { OAuthController } from './oauth.controller';
import { OAuthStatesRepository } from './oauth-states.repository';
import { UserAuthorizationService } from './user-authorization.service';

/**
 * The OAuth callbacks (/oauth/admin-consent/callback, /oauth/callback) and what the flows share:
 * states, runs, the app side. Row access to apps and connect sessions comes from the modules that
 * own them (they export their repositories); the Microsoft gateway from MicrosoftModule.
 */
@Module({
  imports: [AppsModule, ConnectSessionsModule, InstallationsModule, ConnectionsModule, EventsModule, MicrosoftModule],
  controllers: [OAuthController],
  providers: [
    OAuthStatesRepository,
    FlowStatesService,
    FlowAppsService,
    FlowRuns,
    AdminSignInService,
    AdminConsentService,
    UserAuthorizationService,
    ExpiredFlowsJob,
  ],
  exports: [FlowStatesService, FlowAppsService, FlowRuns],
})
export class OAuthModule {}
