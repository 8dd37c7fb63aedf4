import { access } from 'node:fs/promises';
import {
  LocalKeyProvider,
  MASTER_KEYS_ENV,
  MasterKeyring,
  dataKeyAad,
  loadOrCreateMasterKeyFile,
  type KeyProvider,
} from '@authpipe/crypto';
import type { VaultConfig } from '../config/config.schema';
import type { Database } from '../database/database';
import { MasterKeyMismatchError, MasterKeyMissingError } from './keys.errors';

/** What {@link loadMasterKeyProvider} found. */
export interface LoadedMasterKeys {
  provider: KeyProvider;
  /** Path of a key file this call generated (the caller logs a loud "back it up" warning), else null. */
  createdKeyFile: string | null;
}

/**
 * Builds the master key provider from `AUTHPIPE_MASTER_KEYS` when set, else from the key file.
 * The key file is generated (mode 0600) only when `config.masterKeys.createFileIfMissing`; in
 * production a missing key is an error, because a fresh key would silently orphan existing data.
 *
 * @throws MasterKeyMissingError naming the variable and the file path.
 * @throws MasterKeyConfigError (from `@authpipe/crypto`) for a malformed list or a key file with loose permissions.
 */
export async function loadMasterKeyProvider(config: VaultConfig): Promise<LoadedMasterKeys> {
  const { fromEnv, file, createFileIfMissing } = config.masterKeys;
  if (fromEnv !== null) {
    return { provider: new LocalKeyProvider(MasterKeyring.parse(fromEnv, MASTER_KEYS_ENV)), createdKeyFile: null };
  }
  if (!createFileIfMissing && !(await exists(file))) throw new MasterKeyMissingError(MASTER_KEYS_ENV, file);
  const loaded = await loadOrCreateMasterKeyFile(file);
  return { provider: new LocalKeyProvider(loaded.keyring), createdKeyFile: loaded.created ? loaded.path : null };
}

/**
 * Refuses, before anything is created, a boot that has no master key and may not generate one
 * (production without `AUTHPIPE_MASTER_KEYS` nor a key file).
 *
 * @throws MasterKeyMissingError naming the variable and the file path.
 */
export async function requireMasterKeySource(config: VaultConfig): Promise<void> {
  const { fromEnv, file, createFileIfMissing } = config.masterKeys;
  if (fromEnv === null && !createFileIfMissing && !(await exists(file))) {
    throw new MasterKeyMissingError(MASTER_KEYS_ENV, file);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

interface SampleRow {
  project_id: string;
  tenant_id: string | null;
  version: number;
  master_key_version: number;
  wrapped_key: Buffer | Uint8Array;
}

/**
 * Proves, before migrations and before any write, that the provider opens the stored data keys:
 * for every master key version present in `data_keys`, one data key of that version is unwrapped.
 * Reads only; a database without the table (first start) passes.
 *
 * @throws MasterKeyMismatchError naming the missing and the wrong versions (never key bytes).
 */
export async function verifyMasterKeys(db: Database, provider: KeyProvider): Promise<void> {
  const [table] = await db.query<{ exists: boolean }>(`SELECT to_regclass('public.data_keys') IS NOT NULL AS "exists"`);
  if (!table?.exists) return;
  // One row per master key version: enough to prove the key, cheap on any table size.
  const samples = await db.query<SampleRow>(
    `SELECT DISTINCT ON (master_key_version) project_id, tenant_id, version, master_key_version, wrapped_key
       FROM data_keys ORDER BY master_key_version, id`,
  );
  const configured = provider.versions();
  const missing: number[] = [];
  const wrong: number[] = [];
  for (const row of samples) {
    if (!configured.includes(row.master_key_version)) {
      missing.push(row.master_key_version);
      continue;
    }
    const aad = dataKeyAad({ projectId: row.project_id, tenantId: row.tenant_id, dekVersion: row.version });
    try {
      const dek = await provider.unwrap(Buffer.from(row.wrapped_key), aad);
      dek.fill(0);
    } catch {
      // Integrity, format and unknown-version failures all mean this key cannot serve the data.
      wrong.push(row.master_key_version);
    }
  }
  if (missing.length > 0 || wrong.length > 0) throw new MasterKeyMismatchError(missing, wrong, configured);
}
