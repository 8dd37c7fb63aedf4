import { ControllableClock } from './clock/controllable-clock';
import { InMemoryDirectoryStore } from './directory/in-memory-directory.store';
import { seedDirectory } from './directory/seed';
import { SigningKeys } from './keys/signing-keys';
import { type ClientCertificate, loadOrCreateDemoAppCertificate } from './tls/certificates';
import { EmulatorAccessTokenVerifier } from './tokens/access-token.verifier';
import { AssertionReplayCache, AuthorizationCodeStore, RefreshTokenStore } from './tokens/grant-stores';
import { TokenIssuer } from './tokens/token-issuer';
import { AuthorizeService } from './identity/authorize.service';
import { ClientAuthenticator } from './identity/client-authentication';
import { Grants } from './identity/grants';
import { PendingRequests } from './identity/pending-requests';
import { TokenService } from './identity/token.service';
import { ConditionalAccessPolicies } from './identity/conditional-access';
import { ControlService } from './control/control.service';
import { FaultInjector } from './control/faults';
import { GraphAccessDenials } from './graph/auth/access-denials';
import { RequestLog } from './control/request-log';
import { UploadSessions } from './graph/drive/upload-sessions';

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
    issuer: TokenIssuer;
    codes: AuthorizationCodeStore;
    refreshTokens: RefreshTokenStore;
    replays: AssertionReplayCache;
    pending: PendingRequests;
    policies: ConditionalAccessPolicies;
    tokens: TokenService;
    authorize: AuthorizeService;
    faults: FaultInjector;
    requestLog: RequestLog;
    uploadSessions: UploadSessions;
    accessDenials: GraphAccessDenials;
    control: ControlService;
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
  const issuer = new TokenIssuer(keys, clock);
  const codes = new AuthorizationCodeStore();
  const refreshTokens = new RefreshTokenStore();
  const replays = new AssertionReplayCache();
  const pending = new PendingRequests();
  const policies = new ConditionalAccessPolicies();
  const grants = new Grants(store, clock, codes, refreshTokens, issuer, policies);
  const tokens = new TokenService(store, new ClientAuthenticator(clock, replays), grants);
  const authorize = new AuthorizeService(store, clock, codes, pending, policies);
  const faults = new FaultInjector();
  const requestLog = new RequestLog();
  const uploadSessions = new UploadSessions();
  const accessDenials = new GraphAccessDenials();
  const reset = (): void => {
    clock.reset();
    store.clear();
    if (options.seed) seedDirectory(store, clock.now(), { demoAppCertificatePem: demoAppCertificate.certificatePem });
    for (const part of [
      codes,
      refreshTokens,
      replays,
      pending,
      policies,
      faults,
      requestLog,
      uploadSessions,
      accessDenials,
    ])
      part.clear();
  };
  const control = new ControlService({
    store,
    clock,
    faults,
    requestLog,
    policies,
    refreshTokens,
    accessDenials,
    reset,
  });
  return {
    store,
    clock,
    verifier,
    controlApi: options.controlApi,
    demoAppCertificate,
    services: {
      keys,
      issuer,
      codes,
      refreshTokens,
      replays,
      pending,
      policies,
      tokens,
      authorize,
      faults,
      requestLog,
      uploadSessions,
      accessDenials,
      control,
    },
  };
}
