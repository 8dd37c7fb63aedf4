import type { ApiKeyRecord } from './api-keys.repository';

/** Public shape of an API key in lists: never the secret nor its hash, only its last four characters. */
export interface ApiKeyDto {
  id: string;
  projectId: string;
  publicId: string;
  name: string;
  lastFour: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

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

/** The response of key creation: the only time the key text is shown. */
export interface CreatedApiKeyDto extends ApiKeyDto {
  secretKey: string;
}
