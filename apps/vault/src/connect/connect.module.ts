import { Module } from '@nestjs/common';
import { ConnectSessionsModule } from '../connect-sessions/connect-sessions.module';
import { ConnectionsModule } from '../connections/connections.module';
import { InstallationsModule } from '../installations/installations.module';
import { MicrosoftModule } from '../microsoft/microsoft.module';
import { OAuthModule } from '../oauth/oauth.module';
import { ConnectController } from './connect.controller';
import { ConnectService } from './connect.service';

/** GET /connect/:provider: the browser-facing start of the install and connect flows. */
@Module({
  imports: [OAuthModule, ConnectSessionsModule, InstallationsModule, ConnectionsModule, MicrosoftModule],
  controllers: [ConnectController],
  providers: [ConnectService],
})
export class ConnectModule {}
