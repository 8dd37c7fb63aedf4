import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { GetCredentialModule } from '../get-credential/get-credential.module';
import { MicrosoftModule } from '../microsoft/microsoft.module';
import { ProxyRoute } from './proxy.route';
import { ProxyService } from './proxy.service';

/** The Graph proxy: ANY /v1/proxy/microsoft-onedrive/* (a raw Fastify route, see proxy.route.ts). */
@Module({
  imports: [ApiKeysModule, GetCredentialModule, MicrosoftModule],
  providers: [ProxyService, ProxyRoute],
})
export class ProxyModule {}
