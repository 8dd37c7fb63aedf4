// What the Node SDK's e2e suites need around a test vault: the vault listening on a real port (the
// SDK talks HTTP through fetch, not supertest) and an SDK client whose every fetch is counted.
import type { AddressInfo } from 'node:net';
import { Authpipe, type AuthpipeOptions } from '@authpipe/node';
import type { TestVault } from './test-vault';

/** Makes `vault` listen on a random loopback port (closed with the vault); answers its base URL. */
export async function listen(vault: TestVault): Promise<string> {
  const server = vault.server();
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An SDK client and the requests it sent (method and URL of each fetch). */
export interface CountedClient {
  authpipe: Authpipe;
  /** Every fetch the SDK made, in order. */
  fetches: { method: string; url: string }[];
}

/**
 * An SDK client of `baseUrl` with the project's key, on the vault's test clock, short retry
 * delays, and every fetch recorded.
 */
export function aCountedClient(
  vault: TestVault,
  baseUrl: string,
  secretKey: string,
  options: AuthpipeOptions = {},
): CountedClient {
  const fetches: CountedClient['fetches'] = [];
  const authpipe = new Authpipe({
    secretKey,
    baseUrl,
    now: vault.clock.read,
    retry: { baseDelayMs: 1, maxDelayMs: 50 },
    fetch: (input, init) => {
      fetches.push({ method: init?.method ?? 'GET', url: String(input) });
      return fetch(input, init);
    },
    ...options,
  });
  return { authpipe, fetches };
}
