import type { ApiKeyDto, CreatedApiKeyDto } from '@authpipe/contract';
import type { ApiKeyRecord } from './api-keys.repository';

// Public shape of an API key in lists (the contract's): never the secret nor its hash, only its
// last four characters.
export type { ApiKeyDto, CreatedApiKeyDto };

/** Allow-list mapper: only these fields ever leave the vault. */
export function toApiKeyDto(k: ApiKeyRecord): ApiKeyDto {
  return {
    id: k.id,
    projectId: k.projectId,
    publicId: k.publicId,
    name: k.name,
    lastFour: k.lastFour,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}
