// Reading Graph's answers as the proxy passes them back: items pages, next-page cursors, errors.
import { GraphError } from './errors.js';
import type { DriveItem, ItemPage } from './files.js';

/** The next-page cursor of a Graph `@odata.nextLink`: its path relative to the API version. */
export function cursorOf(nextLink: unknown): string | null {
  if (typeof nextLink !== 'string') return null;
  const url = new URL(nextLink);
  const match = /\/(?:v1\.0|beta)\/(.*)$/s.exec(url.pathname);
  return match ? `${match[1]}${url.search}` : null;
}

/** A page of items from a Graph collection answer. */
export function pageOf(body: unknown): ItemPage {
  const page = body as { value?: DriveItem[]; '@odata.nextLink'?: string };
  return { items: page.value ?? [], nextCursor: cursorOf(page['@odata.nextLink']) };
}

/** A Graph error answer as a {@link GraphError} with Graph's code and status. */
export async function graphError(response: Response): Promise<GraphError> {
  const text = await response.text().catch(() => '');
  let code = `http_${response.status}`;
  let message = `Graph answered ${response.status}.`;
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') code = parsed.error.code;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // Not Graph's JSON error shape: keep the status.
  }
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  return new GraphError({ code, message, status: response.status, ...(retryAfter >= 0 ? { retryAfter } : {}) });
}
