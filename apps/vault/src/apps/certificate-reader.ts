import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CertificateParser, type CertificateCredential, type CertificateInput } from '@authpipe/microsoft';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';

/**
 * Reads uploaded certificate credentials off the event loop (libs/microsoft CertificateParser:
 * a worker thread per read, with the configured time limit), and stops any read still running
 * when the application shuts down.
 */
@Injectable()
export class CertificateReader implements OnModuleDestroy {
  private readonly parser: CertificateParser;

  constructor(@Inject(VAULT_CONFIG) config: VaultConfig) {
    this.parser = new CertificateParser({ timeoutMs: config.certificates.parseTimeoutMs });
  }

  /** Reads in progress in their worker threads now (for readiness and tests). */
  get reading(): number {
    return this.parser.reading;
  }

  read(input: CertificateInput, now: Date): Promise<CertificateCredential> {
    return this.parser.parse(input, now);
  }

  onModuleDestroy(): Promise<void> {
    return this.parser.close();
  }
}
