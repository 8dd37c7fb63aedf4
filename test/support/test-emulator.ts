// The Microsoft emulator as the tests start it: on a random port, nothing on disk, on the test
// clock, with what the vault needs to reach it the way a deployment reaches Microsoft (its CA
// trusted, the real Microsoft hosts routed to it) and a client for scripting its pages.
import { HttpClient, MICROSOFT_CLOUD_HOSTS } from '@authpipe/microsoft';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { startEmulator, type RunningEmulator } from '../../apps/microsoft-emulator/src/emulator';
import { emulatorAsCustomCloud } from '../../apps/vault/src/sandbox/sandbox';
import type { MicrosoftConfig } from '../../apps/vault/src/config/config.schema';
import { TestClock } from './test-clock';
import { useStarted } from './use-started';

export { SEED };

export interface TestEmulatorOptions {
  /** The clock the emulator runs on; share it with the vault to move both together. */
  clock?: TestClock;
  /** Mount the control API (faults, consents, clock). Default true. */
  controlApi?: boolean;
  /** Load the demo directory. Default true. */
  seed?: boolean;
}

export interface TestEmulator {
  readonly emulator: RunningEmulator;
  readonly clock: TestClock;
  /**
   * The vault's run-time Microsoft settings for this emulator: its CA trusted, every Microsoft host
   * (all clouds) routed to it, and its own origin allowed as a custom cloud on loopback — what
   * `AUTHPIPE_MICROSOFT_CA_FILE`, `_ROUTES`, `AUTHPIPE_CUSTOM_CLOUD_ORIGINS` and
   * `AUTHPIPE_ALLOW_PRIVATE_NETWORKS` would say in production.
   */
  readonly microsoft: Partial<MicrosoftConfig>;
  /** A client standing in for a browser (trusts the CA, routes the Microsoft hosts). */
  readonly browser: HttpClient;
  /** `cloud: 'custom'` endpoints of an app that talks to the emulator at its own address. */
  readonly customEndpoints: { loginUrl: string; graphUrl: string };
  /**
   * Calls the emulator's control API (`/_emulator/...`: faults, directory changes, the request
   * log) and returns the parsed JSON body; fails on a status other than `expect` (default 2xx).
   */
  control<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** How many token-endpoint calls the emulator served with `grantType` since its log was last cleared. */
  tokenCalls(grantType: 'refresh_token' | 'client_credentials' | 'authorization_code'): number;
  close(): Promise<void>;
}

export async function createTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const clock = options.clock ?? new TestClock();
  const emulator = await startEmulator({
    dataDir: null,
    controlApi: options.controlApi ?? true,
    seed: options.seed ?? true,
    now: clock.source,
  });
  const routes = Object.fromEntries(MICROSOFT_CLOUD_HOSTS.map((host) => [host, emulator.baseUrl]));
  // Loopback allowed: the emulator listens there (the vault's own client is told so by `microsoft`).
  const browser = new HttpClient({
    caCertificates: [emulator.caCertPem],
    routes,
    allowPrivateNetworks: ['127.0.0.1', '::1'],
  });
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await browser.request({
      method: method as 'GET',
      url: `${emulator.baseUrl}/_emulator${path}`,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const text = res.body.toString('utf8');
    if (res.status < 200 || res.status > 299)
      throw new Error(`emulator ${method} ${path} answered ${res.status}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  return {
    emulator,
    clock,
    control,
    tokenCalls(grantType) {
      // In-process: the log is read directly (same numbers as GET /_emulator/requests).
      return emulator.context.services.requestLog
        .list()
        .filter((r) => r.path.endsWith('/oauth2/v2.0/token') && r.grantType === grantType).length;
    },
    microsoft: { caCertificates: [emulator.caCertPem], routes, timeoutMs: 10_000, ...emulatorAsCustomCloud(emulator) },
    browser,
    customEndpoints: { loginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl },
    async close() {
      await browser.close();
      await emulator.close();
    },
  };
}

/** One emulator for the enclosing describe block (started in beforeAll, closed in afterAll). */
export function useTestEmulator(options: TestEmulatorOptions | (() => TestEmulatorOptions) = {}): TestEmulator {
  return useStarted(() => createTestEmulator(typeof options === 'function' ? options() : options));
}
