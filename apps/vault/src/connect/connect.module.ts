import { Module } from '@nestjs/common';
import { OAuthModule } from '../oauth/oauth.module';
import { ConnectController } from './connect.controller';
import { ConnectService } from './connect.service';

/** GET /connect/:provider: the browser-facing start of the install and connect flows. */
@Module({
  imports: [OAuthModule],
  controllers: [ConnectController],
  providers: [ConnectService],
})
export class ConnectModule {}
