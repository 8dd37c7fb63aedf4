import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { BusModule } from '../bus/bus.module';
import { ConnectModule } from '../connect/connect.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { RefreshModule } from '../refresh/refresh.module';
import { CredentialReadAudit } from './credential-read-audit';
import { CredentialReadsRepository } from './credential-reads.repository';
import { GetCredentialRoute } from './get-credential.route';
import { GetCredentialService } from './get-credential.service';
import { SERVED_CREDENTIAL_CACHE_OPTIONS, ServedCredentialCache } from './served-credential-cache';

/** Served credentials at most this long from memory; their invalidation is the bus's job, this bounds the rest. */
export const SERVED_CREDENTIAL_TTL_MS = 60_000;

/** getCredential: GET /v1/credentials/:provider, its cache, read audit and action links. */
@Module({
  imports: [ApiKeysModule, BusModule, CredentialsModule, RefreshModule, ConnectModule],
  providers: [
    { provide: SERVED_CREDENTIAL_CACHE_OPTIONS, useValue: { max: 50_000, ttlMs: SERVED_CREDENTIAL_TTL_MS } },
    ServedCredentialCache,
    CredentialReadsRepository,
    CredentialReadAudit,
    GetCredentialService,
    // GET /v1/credentials/:provider: a raw Fastify route, not a controller (get-credential.route.ts says why).
    GetCredentialRoute,
  ],
  exports: [GetCredentialService, ServedCredentialCache, CredentialReadAudit],
})
export class GetCredentialModule {}
