// The sandbox's example page: both buttons against the vault that serves it, with the sandbox's
// own session route standing in for the host application's backend. Built into
// dist/example/sandbox-example.js (React bundled in) and served by the vault in sandbox mode only.
import { StrictMode, useCallback, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  AuthpipeProvider,
  ConnectButton,
  InstallButton,
  type AuthpipeConnectError,
  type SessionRequest,
} from '../src/index';

interface LogEntry {
  kind: 'installed' | 'connected' | 'error';
  detail: Record<string, unknown>;
}

/**
 * What a host application's backend does: create a connect session with its secret key. Here the
 * sandbox's example route does it for the demo project (sandbox only: a real page never holds a
 * key and never calls a route like this).
 */
async function getSessionToken(request: SessionRequest) {
  const res = await fetch('/sandbox/example/connect-session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (!res.ok) throw new Error(`The example's session route answered ${res.status}`);
  return (await res.json()) as { id: string; token: string; url: string };
}

function Example() {
  const [log, setLog] = useState<LogEntry[]>([]);
  const add = useCallback((entry: LogEntry) => setLog((entries) => [...entries, entry]), []);
  const onError = useCallback(
    (error: AuthpipeConnectError) => add({ kind: 'error', detail: { code: error.code, message: error.message } }),
    [add],
  );
  return (
    <AuthpipeProvider baseUrl={window.location.origin} getSessionToken={getSessionToken}>
      <main>
        <h1>Authpipe React SDK example (sandbox)</h1>
        <p>Tenant org_demo, user user_demo. Sign in on the emulator as a demo admin, then as a demo user.</p>
        <p>
          <InstallButton
            id="install"
            provider="microsoft-onedrive"
            onInstall={(installation) => add({ kind: 'installed', detail: { ...installation } })}
            onError={onError}
          />{' '}
          <ConnectButton
            id="connect"
            provider="microsoft-onedrive"
            onConnect={(connection) => add({ kind: 'connected', detail: { ...connection } })}
            onError={onError}
          />
        </p>
        <ol id="log" aria-live="polite">
          {log.map((entry, index) => (
            <li key={index} data-kind={entry.kind}>
              {entry.kind}: <code>{JSON.stringify(entry.detail)}</code>
            </li>
          ))}
        </ol>
      </main>
    </AuthpipeProvider>
  );
}

const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <Example />
    </StrictMode>,
  );
}
