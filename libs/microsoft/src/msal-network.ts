// msal-node's INetworkModule over our HttpClient, plus a per-call record of what the network
// said. msal-node replaces a non-msal error from the network module with a bare
// `network_error` and does not expose Retry-After on its ServerError, so the classifier reads
// the status, Retry-After and transport failure from this record instead.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { z } from 'zod';
import { HttpRequestError, parseJsonBody, type HttpClient, type HttpFailureCode } from './http';

/** What the last request of one msal call returned, or why it returned nothing. */
export interface NetworkOutcome {
  status?: number;
  retryAfter?: string;
  failure?: HttpFailureCode;
  systemCode?: string;
  /** The response body was not a JSON object. */
  unparseable?: boolean;
  /** Requests sent during the call; 0 when msal answered from its own throttling state. */
  requests?: number;
}

const outcomes = new AsyncLocalStorage<NetworkOutcome>();

/** Runs `fn` (one msal call) with a fresh network record, returned beside its result or error. */
export async function withNetworkOutcome<T>(
  fn: () => Promise<T>,
): Promise<{ outcome: NetworkOutcome; result?: T; error?: unknown }> {
  const outcome: NetworkOutcome = { requests: 0 };
  try {
    const result = await outcomes.run(outcome, fn);
    return { outcome, result };
  } catch (error) {
    return { outcome, error };
  }
}

function record(update: NetworkOutcome): void {
  const current = outcomes.getStore();
  if (!current) return;
  const requests = (current.requests ?? 0) + 1;
  for (const key of Object.keys(current) as (keyof NetworkOutcome)[]) delete current[key];
  Object.assign(current, update, { requests });
}

// msal reads fields by name and validates token responses itself; here the body must be a JSON object.
const msalBodySchema = z.record(z.string(), z.unknown());

/** Thrown to msal when a response body is not a JSON object (an HTML error page from a proxy). */
export class UnparseableResponseError extends Error {
  readonly code = 'unparseable_response';

  constructor(status: number) {
    super(`Microsoft answered HTTP ${status} with a body that is not a JSON object`);
    this.name = 'UnparseableResponseError';
  }
}

/** msal-node `system.networkClient` sending through `http`. */
export class MsalNetworkClient implements INetworkModule {
  constructor(private readonly http: HttpClient) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    let response;
    try {
      response = await this.http.request({
        method,
        url,
        headers: options?.headers,
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        timeoutMs: timeout,
      });
    } catch (error) {
      if (error instanceof HttpRequestError) record({ failure: error.failure, systemCode: error.systemCode });
      throw error;
    }
    const retryAfter = response.headers['retry-after'];
    const body = parseJsonBody(response.body, msalBodySchema);
    if (body === null) {
      record({ status: response.status, retryAfter, unparseable: true });
      throw new UnparseableResponseError(response.status);
    }
    record({ status: response.status, retryAfter });
    // msal's generic T is the shape it validates next; the body is a checked JSON object.
    return { status: response.status, headers: response.headers, body: body as T };
  }
}
