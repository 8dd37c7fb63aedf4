import { beforeEach, describe, expect, it } from 'vitest';
import { MicrosoftError } from './errors';
import { HttpClient } from './http';
import { MicrosoftAuth } from './msal';
import {
  SEED,
  demoAppWithSecret,
  emulatorHttp,
  emulatorNetworks,
  factoryFor,
  useEmulatorSuite,
} from '../test/emulator-harness';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];
const TOKEN_PATH = `/${SEED.contoso.tenantId}/oauth2/v2.0/token`;

// Faults injected into the real emulator: what Microsoft does under load or on a bad network.
describe(`${MicrosoftAuth.name} transient failures`, () => {
  const t = useEmulatorSuite();

  beforeEach(() => {
    t.emulator.context.services.faults.clear();
  });

  function appToken(auth: MicrosoftAuth) {
    return auth.acquireAppToken({
      app: demoAppWithSecret(t.cloud),
      tenantId: SEED.contoso.tenantId,
      scopes: GRAPH_DEFAULT,
      skipCache: true,
    });
  }

  it('classifies a 429 as transient with Retry-After, and msal throttling stays inside one factory', async () => {
    t.emulator.context.services.faults.add({
      kind: 'status',
      status: 429,
      retryAfterSeconds: 7,
      pathPrefix: TOKEN_PATH,
      count: 1,
    });
    const auth = new MicrosoftAuth(factoryFor(t.http));
    const failure = await appToken(auth).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MicrosoftError);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'transient',
      action: 'retry',
      httpStatus: 429,
      retryAfterSeconds: 7,
    });
    // The same msal instance now refuses locally until Retry-After passes; still transient.
    const replay = await appToken(auth).catch((e: unknown) => e);
    expect((replay as MicrosoftError).failure).toMatchObject({ kind: 'transient', error: 'throttled' });
    // A new factory (what each test and each vault process has) is not affected.
    const fresh = await appToken(new MicrosoftAuth(factoryFor(t.http)));
    expect(fresh.fromCache).toBe(false);
  });

  it('classifies a 503 as transient', async () => {
    t.emulator.context.services.faults.add({ kind: 'status', status: 503, pathPrefix: TOKEN_PATH, count: 1 });
    const failure = await appToken(new MicrosoftAuth(factoryFor(t.http))).catch((e: unknown) => e);
    expect((failure as MicrosoftError).failure).toMatchObject({ kind: 'transient', httpStatus: 503 });
  });

  it('classifies a dropped connection as transient connection_reset', async () => {
    t.emulator.context.services.faults.add({ kind: 'drop', pathPrefix: TOKEN_PATH, count: 1 });
    const failure = await appToken(new MicrosoftAuth(factoryFor(t.http))).catch((e: unknown) => e);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'transient',
      error: 'connection_reset',
      action: 'retry',
    });
  });

  it('classifies a reply slower than the HTTP timeout as transient timeout', async () => {
    t.emulator.context.services.faults.add({ kind: 'latency', latencyMs: 2_000, pathPrefix: TOKEN_PATH, count: 1 });
    const slowHttp = emulatorHttp(t.emulator, { timeoutMs: 300 });
    try {
      const failure = await appToken(new MicrosoftAuth(factoryFor(slowHttp))).catch((e: unknown) => e);
      expect((failure as MicrosoftError).failure).toMatchObject({ kind: 'transient', error: 'timeout' });
    } finally {
      await slowHttp.close();
    }
  });

  it('classifies an untrusted TLS certificate as misconfigured', async () => {
    // Allowed to reach the emulator's address, but without its CA.
    const untrusting = new HttpClient({ allowPrivateNetworks: emulatorNetworks(t.emulator) });
    try {
      const failure = await appToken(new MicrosoftAuth(factoryFor(untrusting))).catch((e: unknown) => e);
      expect((failure as MicrosoftError).failure).toMatchObject({ kind: 'misconfigured', error: 'tls' });
    } finally {
      await untrusting.close();
    }
  });
});
