import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import { SecretsService } from '../secrets/secrets.service';
import {
  LEGACY_TOKEN_FIELDS,
  LegacyTokenFieldsRepository,
  type LegacyCredential,
} from './legacy-token-fields.repository';
import { TOKEN_SET_FIELD, serializeTokenSet } from './token-set';

const BATCH = 100;

/** What a conversion run did. */
export interface ConversionResult {
  converted: number;
  /** Credentials whose access token could not be read (their tenant's key is gone): left as they are. */
  skipped: string[];
}

/**
 * Converts data of vaults made before token sets, at boot and before any request: each
 * credential's per-field token secrets (`accessToken`, `refreshToken`) become one token-set
 * ciphertext, written with the deletion of the old fields in one unit of work per credential, so
 * a crash leaves every credential either converted or untouched. Resumable (it looks for what is
 * left), idempotent across replicas booting together, with progress in the log.
 */
@Injectable()
export class TokenSetConversion implements OnModuleInit {
  private readonly logger = new Logger('TokenSetConversion');

  constructor(
    private readonly legacy: LegacyTokenFieldsRepository,
    private readonly secrets: SecretsService,
    private readonly uow: UnitOfWork,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.run();
  }

  async run(): Promise<ConversionResult> {
    const total = await this.legacy.count();
    const result: ConversionResult = { converted: 0, skipped: [] };
    if (total === 0) return result;
    this.logger.log(`Converting the tokens of ${total} credentials to token sets`);
    let after = '';
    for (;;) {
      const page = await this.legacy.page(after, BATCH);
      if (page.length === 0) break;
      for (const credential of page) {
        if (await this.convert(credential)) result.converted++;
        else result.skipped.push(credential.id);
      }
      after = page[page.length - 1].id;
      this.logger.log(`Converted ${result.converted + result.skipped.length}/${total} credentials`);
    }
    if (result.skipped.length > 0)
      this.logger.warn(
        `${result.skipped.length} credentials kept their old token fields: ${result.skipped.join(', ')}`,
      );
    return result;
  }

  private async convert(credential: LegacyCredential): Promise<boolean> {
    const scope = { projectId: credential.projectId, tenantExternalId: credential.tenantExternalId };
    const field = (name: string) => ({ recordType: credential.recordType, recordId: credential.id, field: name });
    let access: Buffer | null;
    let refresh: Buffer | null;
    try {
      [access, refresh] = await Promise.all(LEGACY_TOKEN_FIELDS.map((name) => this.secrets.get(scope, field(name))));
    } catch (error) {
      // A ciphertext that no longer opens (tampered, or its tenant's key destroyed) stays as it
      // was: converting it would lose the evidence, and the boot must not stop for one tenant.
      this.logger.warn(`The tokens of ${credential.recordType} ${credential.id} do not open: ${(error as Error).name}`);
      return false;
    }
    if (access === null) return false;
    const plaintext = serializeTokenSet({
      accessToken: access.toString('utf8'),
      refreshToken: refresh?.toString('utf8') ?? null,
      expiresAt: credential.expiresAt ?? new Date(0),
      scopes: credential.scopes,
    });
    access.fill(0);
    refresh?.fill(0);
    try {
      await this.secrets.retryingStaleKeys(scope, async () => {
        const sealed = await this.secrets.seal(scope, field(TOKEN_SET_FIELD), plaintext);
        await this.uow.run(async () => {
          await this.secrets.store(sealed);
          for (const name of LEGACY_TOKEN_FIELDS) await this.secrets.delete(scope, field(name));
        });
      });
    } finally {
      plaintext.fill(0);
    }
    return true;
  }
}
