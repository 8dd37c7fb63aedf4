import { Global, Module } from '@nestjs/common';
import { SecretsRepository } from './secrets.repository';
import { SecretsService } from './secrets.service';

/**
 * The one encrypted-values table every feature keeps its secrets in, through {@link SecretsService}
 * (encrypted with the owner's data key from KeysModule). Global, so features inject the service.
 */
@Global()
@Module({
  providers: [SecretsRepository, SecretsService],
  exports: [SecretsService],
})
export class SecretsModule {}
