import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AppsModule } from '../apps/apps.module';
import { ConnectionsModule } from '../connections/connections.module';
import { EventsModule } from '../events/events.module';
import { InstallationsModule } from '../installations/installations.module';
import { MicrosoftModule } from '../microsoft/microsoft.module';
import { ProvidersModule } from '../providers/providers.module';
import { ConnectController } from './connect.controller';
import { AdminConsentService } from './flows/admin-consent.service';
import { AdminSignInService } from './flows/admin-sign-in.service';
import { ConnectService } from './flows/connect.service';
import { FlowAppsService } from './flows/flow-apps.service';
import { FlowRuns } from './flows/flow-run';
import { UserAuthorizationService } from './flows/user-authorization.service';
import { OAuthController } from './oauth.controller';
import { ConnectSessionsController } from './sessions/connect-sessions.controller';
import { ConnectSessionsRepository } from './sessions/connect-sessions.repository';
import { ConnectSessionsService } from './sessions/connect-sessions.service';
import { ExpiredFlowsJob } from './states/expired-flows.job';
import { FlowStatesService } from './states/flow-states.service';
import { OAuthStatesRepository } from './states/oauth-states.repository';

/**
 * The connect feature: what a project's frontend uses to install the app or connect a user.
 * - `sessions/`: POST /v1/connect-sessions, the short-lived tokens a frontend opens;
 * - `flows/`: GET /connect/:provider (the start) and the OAuth callbacks — an installation's admin
 *   signs in, then consents; a user signs in with PKCE;
 * - `states/`: single-use OAuth states bound to the browser, and their purge;
 * - `pages/`: the pages a flow ends on (popup message or redirect).
 */
@Module({
  imports: [
    ApiKeysModule,
    AppsModule,
    ProvidersModule,
    EventsModule,
    InstallationsModule,
    ConnectionsModule,
    MicrosoftModule,
  ],
  controllers: [ConnectSessionsController, ConnectController, OAuthController],
  providers: [
    ConnectSessionsRepository,
    ConnectSessionsService,
    OAuthStatesRepository,
    FlowStatesService,
    FlowAppsService,
    FlowRuns,
    ConnectService,
    AdminSignInService,
    AdminConsentService,
    UserAuthorizationService,
    ExpiredFlowsJob,
  ],
  exports: [ConnectSessionsService],
})
export class ConnectModule {}
