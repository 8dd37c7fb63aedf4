import { Module } from '@nestjs/common';
import { CredentialHistoryRepository } from './credential-history.repository';

/** What installations and connections share as providers: the credential history. */
@Module({
  providers: [CredentialHistoryRepository],
  exports: [CredentialHistoryRepository],
})
export class CredentialsModule {}
