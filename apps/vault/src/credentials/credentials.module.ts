import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { EventsModule } from '../events/events.module';
import { CredentialHistoryRepository } from './credential-history.repository';
import { CredentialStore } from './credential-lifecycle';
import { LegacyTokenFieldsRepository } from './legacy-token-fields.repository';
import { TokenSetConversion } from './token-set-conversion';

/**
 * What installations and connections share: their change unit of work (CredentialStore), their
 * history, and the boot-time conversion of older vaults' per-field tokens into token sets.
 */
@Module({
  imports: [EventsModule, BusModule],
  providers: [CredentialHistoryRepository, CredentialStore, LegacyTokenFieldsRepository, TokenSetConversion],
  exports: [CredentialHistoryRepository, CredentialStore],
})
export class CredentialsModule {}
