import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { EventsModule } from '../events/events.module';
import { CredentialHistoryRepository } from './credential-history.repository';
import { CredentialStore } from './credential-lifecycle';
import { CredentialReader } from './credential-reader';
import { CredentialStateRepository } from './credential-state.repository';
import { CredentialStateWriter } from './credential-state-writer';
import { LegacyTokenFieldsRepository } from './legacy-token-fields.repository';
import { TokenSetConversion } from './token-set-conversion';

/**
 * What installations and connections share: their change unit of work (CredentialStore), their
 * history, and the boot-time conversion of older vaults' per-field tokens into token sets.
 */
@Module({
  imports: [EventsModule, BusModule],
  providers: [
    CredentialHistoryRepository,
    CredentialStore,
    CredentialStateRepository,
    CredentialStateWriter,
    CredentialReader,
    LegacyTokenFieldsRepository,
    TokenSetConversion,
  ],
  exports: [
    CredentialHistoryRepository,
    CredentialStore,
    CredentialStateRepository,
    CredentialStateWriter,
    CredentialReader,
  ],
})
export class CredentialsModule {}
