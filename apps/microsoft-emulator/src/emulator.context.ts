import { ControllableClock } from './clock/controllable-clock';
import { InMemoryDirectoryStore } from './directory/in-memory-directory.store';
import { seedDirectory } from './directory/seed';
import { SigningKeys } from './keys/signing-keys';
import { type ClientCertificate, loadOrCreateDemoAppCertificate } from './tls/certificates';
import { EmulatorAccessTokenVerifier } from './tokens/access-token.verifier';

/** Everything stateful in one emulator instance. */
export interface EmulatorContext {
  store: InMemoryDirectoryStore;
  clock: ControllableClock;
  verifier: EmulatorAccessTokenVerifier;
  controlApi: boolean;
  demoAppCertificate: ClientCertificate;
  /** Injectable services, each provided under its own class. */
  services: {
    keys: SigningKeys;
  };
}

export interface ContextOptions {
  dataDir: string | null;
  controlApi: boolean;
  seed: boolean;
  now?: () => Date;
}

/** Builds the directory, keys and services of one emulator. */
export async function createEmulatorContext(options: ContextOptions): Promise<EmulatorContext> {
  const clock = new ControllableClock(options.now);
  const [keys, demoAppCertificate] = await Promise.all([
    SigningKeys.loadOrCreate(options.dataDir),
    loadOrCreateDemoAppCertificate(options.dataDir, clock.now()),
  ]);
  const store = new InMemoryDirectoryStore(clock);
  if (options.seed) seedDirectory(store, clock.now(), { demoAppCertificatePem: demoAppCertificate.certificatePem });
  const verifier = new EmulatorAccessTokenVerifier(keys, store, clock);
  return { store, clock, verifier, controlApi: options.controlApi, demoAppCertificate, services: { keys } };
}
