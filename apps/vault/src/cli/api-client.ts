import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AdminApiError } from './admin-client';
import { UsageError } from './cli-output';
import { dataDirOf } from './vault-backend';

/** Where and as whom the CLI calls a vault's public API (`/v1`). */
export interface ApiTarget {
  baseUrl: string;
  secretKey: string;
}

/**
 * `--url`, else AUTHPIPE_URL, else the sandbox's (`<dataDir>/sandbox.json`), else HOST:PORT; the
 * key from AUTHPIPE_SECRET_KEY (or `--key`, visible to other local users in the process list),
 * else the sandbox's demo key.
 */
export function apiTarget(env: Record<string, string | undefined>, options: { url?: string; key?: string }): ApiTarget {
  const sandbox = readSandbox(dataDirOf(env));
  const host = env.HOST || '127.0.0.1';
  const baseUrl = options.url ?? env.AUTHPIPE_URL ?? sandbox?.baseUrl ?? `http://${host}:${env.PORT || '3000'}`;
  const secretKey = options.key ?? env.AUTHPIPE_SECRET_KEY ?? sandbox?.secretKey;
  if (!secretKey) {
    throw new UsageError(
      'This command calls the vault API with a project secret key: set AUTHPIPE_SECRET_KEY (or pass --key); ' +
        'create one with `authpipe key create --project <projectId>`.',
    );
  }
  return { baseUrl: baseUrl.replace(/\/$/, ''), secretKey };
}

function readSandbox(dataDir: string): { baseUrl?: string; secretKey?: string } | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(dataDir, 'sandbox.json'), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { baseUrl, secretKey } = parsed as Record<string, unknown>;
    return {
      baseUrl: typeof baseUrl === 'string' ? baseUrl : undefined,
      secretKey: typeof secretKey === 'string' ? secretKey : undefined,
    };
  } catch {
    return null;
  }
}

/**
 * Calls the vault's public API; answers the parsed JSON body (null for 204). An error answer
 * becomes an {@link AdminApiError} with the vault's stable code; no answer at all says where it
 * looked.
 */
export async function callApi(
  target: ApiTarget,
  method: 'GET' | 'POST' | 'DELETE',
  route: string,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${target.baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${target.secretKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new AdminApiError(
      503,
      'vault_unreachable',
      `No vault answered at ${target.baseUrl}: start it (npm start), or set AUTHPIPE_URL (or --url) to where it runs.`,
    );
  }
  if (res.status === 204) return null;
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (typeof error?.code === 'string' && typeof error.message === 'string') {
      throw new AdminApiError(res.status, error.code, error.message);
    }
    throw new AdminApiError(res.status, 'internal_error', `The vault answered HTTP ${res.status}.`);
  }
  return json;
}
