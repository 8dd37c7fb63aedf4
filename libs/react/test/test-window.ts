// A window and popup under the test's control, for the flow without React: what the browser
// would do (open, post, close) is done by the test, step by step.
import { vi } from 'vitest';

export const VAULT = 'https://vault.test';
export const PAGE = 'https://app.test/settings?tab=storage';

export class FakePopup {
  closed = false;
  location = { href: 'about:blank' };
  document = { title: '' };
  close(): void {
    this.closed = true;
  }
}

export interface TestWindow {
  win: Window;
  popup: FakePopup;
  open: ReturnType<typeof vi.fn>;
  assign: ReturnType<typeof vi.fn>;
  storage: Map<string, string>;
  /** Delivers a `message` event as the browser would. */
  post(data: unknown, origin?: string, source?: unknown): void;
  href(): string;
}

export function testWindow({ blocked = false }: { blocked?: boolean } = {}): TestWindow {
  const target = new EventTarget();
  const popup = new FakePopup();
  const storage = new Map<string, string>();
  const location = { href: PAGE, assign: vi.fn() };
  const open = vi.fn(() => (blocked ? null : popup));
  const win = {
    open,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    setInterval: (fn: () => void, ms: number) => setInterval(fn, ms),
    clearInterval: (id: ReturnType<typeof setInterval>) => clearInterval(id),
    location,
    sessionStorage: {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => storage.set(key, value),
      removeItem: (key: string) => storage.delete(key),
    },
    history: {
      state: null,
      replaceState: (_state: unknown, _title: string, url: string) => {
        location.href = url;
      },
    },
    screenX: 0,
    screenY: 0,
    outerWidth: 1200,
    outerHeight: 900,
  };
  return {
    win: win as unknown as Window,
    popup,
    open,
    assign: location.assign,
    storage,
    post(data, origin = VAULT, source = popup) {
      target.dispatchEvent(Object.assign(new Event('message'), { data, origin, source }));
    },
    href: () => location.href,
  };
}

/** The success message of the vault's completion page (flow protocol v1 of @authpipe/contract). */
export const installed = {
  type: 'authpipe:flow-result',
  version: 1,
  correlationId: 'cs_1',
  credentialFor: 'installation',
  status: 'success',
  provider: 'microsoft-onedrive',
  tenantId: 'org_acme',
  installationId: 'ins_1',
};
