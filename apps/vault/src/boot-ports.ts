import net from 'node:net';
import type { VaultConfig } from './config/config.schema';

/** A port the vault (or its sandbox) will listen on, and the setting that chose it. */
export interface PlannedPort {
  host: string;
  port: number;
  /** What listens there and which setting moves it, e.g. "the vault (PORT)". */
  role: string;
}

/** One or more of the ports a start needs are taken: named together, before any work was done. */
export class PortsInUseError extends Error {
  readonly code = 'ports_in_use';
  constructor(readonly busy: { planned: PlannedPort; reason: string }[]) {
    super(
      [
        `cannot start: ${busy.length === 1 ? 'a port it needs is' : 'ports it needs are'} not free`,
        ...busy.map(({ planned, reason }) => `  - ${planned.host}:${planned.port}, ${planned.role}: ${reason}`),
        'Stop whatever holds them (`lsof -i :<port>` or `ss -ltnp` names it: often an earlier `npm start`), ' +
          'or choose another base port, e.g. PORT=4000 (the sandbox then uses 4001 and 4002).',
      ].join('\n'),
    );
    this.name = 'PortsInUseError';
  }
}

/**
 * The ports a start will listen on: the vault's PORT and, with the sandbox, the emulator's HTTPS
 * (PORT+1) and plain-HTTP (PORT+2) ports on loopback. Port 0 (any free port) needs no check.
 */
export function plannedPorts(config: Pick<VaultConfig, 'host' | 'port'>, sandbox: boolean): PlannedPort[] {
  if (config.port === 0) return [];
  const ports: PlannedPort[] = [{ host: config.host, port: config.port, role: 'the vault (PORT)' }];
  if (sandbox) {
    ports.push(
      { host: '127.0.0.1', port: config.port + 1, role: "the sandbox emulator's HTTPS endpoint (PORT+1)" },
      { host: '127.0.0.1', port: config.port + 2, role: "the sandbox emulator's browser endpoint (PORT+2)" },
    );
  }
  return ports;
}

/**
 * Proves every planned port can be listened on, by listening and closing at once, so a busy
 * port stops the start in milliseconds with one message naming each, instead of an EADDRINUSE
 * after the database, keys and emulator were set up. (Another process could still take a port
 * in between; {@link describeListenError} then names it the same way.)
 */
export async function assertPortsFree(ports: PlannedPort[]): Promise<void> {
  const busy: { planned: PlannedPort; reason: string }[] = [];
  for (const planned of ports) {
    const reason = await tryListen(planned);
    if (reason !== null) busy.push({ planned, reason });
  }
  if (busy.length > 0) throw new PortsInUseError(busy);
}

/** Turns a listen failure (EADDRINUSE, EACCES) on a planned port into a {@link PortsInUseError}. */
export function describeListenError(error: unknown, ports: PlannedPort[]): unknown {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  const planned = ports.find((p) => p.port === port);
  if (planned === undefined || typeof code !== 'string') return error;
  const reason = reasonOf(code);
  return reason === null ? error : new PortsInUseError([{ planned, reason }]);
}

function reasonOf(code: string): string | null {
  if (code === 'EADDRINUSE') return 'already in use';
  if (code === 'EACCES') return 'not allowed for this user (ports below 1024 need privileges)';
  if (code === 'EADDRNOTAVAIL') return 'this machine has no such address (check HOST)';
  return null;
}

function tryListen(planned: PlannedPort): Promise<string | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(reasonOf(error.code ?? '') ?? error.message));
    server.listen({ host: planned.host, port: planned.port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
