import { Module } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import { MicrosoftGateway } from './microsoft-gateway';

/**
 * Provides the one {@link MicrosoftGateway} of the application, configured from
 * `VaultConfig.microsoft` (AUTHPIPE_MICROSOFT_CA_FILE, AUTHPIPE_MICROSOFT_ROUTES, plus what the
 * sandbox and tests add through `createVaultApp({ microsoft })`) on the injected clock. The apps
 * check and the OAuth flows import this module, so both reach Microsoft the same way.
 */
@Module({
  providers: [
    {
      provide: MicrosoftGateway,
      inject: [VAULT_CONFIG, CLOCK],
      useFactory: (config: VaultConfig, clock: Clock) => new MicrosoftGateway(config.microsoft, clock),
    },
  ],
  exports: [MicrosoftGateway],
})
export class MicrosoftModule {}
