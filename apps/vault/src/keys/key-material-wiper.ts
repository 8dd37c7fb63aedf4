import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Envelope, type KeyProvider } from '@authpipe/crypto';
import { KEY_PROVIDER } from './keys.tokens';

/**
 * Overwrites key material held in memory when the vault shuts down: the cached unwrapped data
 * keys and the master keys (a KMS-backed provider holds none). A core dump or swapped page taken
 * after shutdown then holds no key.
 */
@Injectable()
export class KeyMaterialWiper implements OnApplicationShutdown {
  constructor(
    @Inject(KEY_PROVIDER) private readonly provider: KeyProvider,
    private readonly envelope: Envelope,
  ) {}

  onApplicationShutdown(): void {
    this.envelope.clear();
    this.provider.destroy?.();
  }
}
