import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module';
import { ConnectModule } from '../connect/connect.module';
import { EventsModule } from '../events/events.module';
import { ConnectionsModule } from '../connections/connections.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { InstallationsModule } from '../installations/installations.module';
import { MicrosoftModule } from '../microsoft/microsoft.module';
import { ActionLinks } from './action-links';
import { DueCredentialsRepository } from './due-credentials.repository';
import { ExpiryWarningsJob } from './expiry-warnings.job';
import { HealthProbeJob } from './health-probe.job';
import { HealthProbeService } from './health-probe.service';
import { RefreshScheduler } from './refresh-scheduler';
import { RefreshStats } from './refresh-stats';
import { RefreshService } from './refresh.service';

/** Keeping credentials valid: the shared refresh, the scheduler every replica runs, their metrics. */
@Module({
  imports: [
    CredentialsModule,
    InstallationsModule,
    ConnectionsModule,
    AppsModule,
    MicrosoftModule,
    ConnectModule,
    EventsModule,
  ],
  providers: [
    RefreshService,
    ActionLinks,
    RefreshStats,
    DueCredentialsRepository,
    RefreshScheduler,
    ExpiryWarningsJob,
    HealthProbeService,
    HealthProbeJob,
  ],
  exports: [
    RefreshService,
    ActionLinks,
    RefreshStats,
    DueCredentialsRepository,
    RefreshScheduler,
    ExpiryWarningsJob,
    HealthProbeService,
    HealthProbeJob,
  ],
})
export class RefreshModule {}
