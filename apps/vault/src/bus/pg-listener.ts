import type pg from 'pg';

/** Timing of a {@link PgListener}. */
export interface PgListenerOptions {
  /** First reconnect delay; doubles per failed attempt (with jitter) up to `backoffMaxMs`. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Interval of the `SELECT 1` that proves the session is alive while nothing is received. */
  heartbeatMs: number;
  /** A heartbeat not answered within this delay counts as a lost connection. */
  heartbeatTimeoutMs: number;
}

/** What a {@link PgListener} reports. */
export interface PgListenerEvents {
  /** A notification payload on the channel. */
  message(payload: string): void;
  /** Listening started (LISTEN is active) or stopped (the session is lost). */
  status(listening: boolean): void;
  /** Why a connection attempt failed or a session was lost (the listener retries by itself). */
  lost(error: unknown, retryInMs: number | null): void;
}

/**
 * One dedicated PostgreSQL session that runs `LISTEN <channel>` for as long as the process runs:
 * reconnects with exponential backoff and jitter after any loss, re-runs LISTEN, and reports
 * every change of status so the caller can treat a gap as "messages may have been missed".
 * A periodic `SELECT 1` with a deadline notices a session that died silently (a network
 * partition sends no FIN), beside TCP keep-alive.
 *
 * Written here instead of taking `pg-listen`: the vault needs infinite retries with a status
 * callback on every gap, the session's backend pid, and nothing else; pg-listen adds three
 * dependencies and gives up after a retry limit by default.
 */
export class PgListener {
  #client: pg.Client | null = null;
  #listening = false;
  #stopped = false;
  #attempt = 0;
  #backendPid: number | null = null;
  #retry: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly newClient: () => pg.Client,
    private readonly channel: string,
    private readonly events: PgListenerEvents,
    private readonly options: PgListenerOptions,
    /** Jitter source in [0, 1); not security relevant. */
    private readonly jitter: () => number = Math.random,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error('The channel must be a plain lower-case identifier');
  }

  /** Whether LISTEN is active on a live session. */
  get listening(): boolean {
    return this.#listening;
  }

  /** The backend pid of the listening session (null while not listening). */
  get backendPid(): number | null {
    return this.#backendPid;
  }

  /**
   * Connects and listens; resolves after the first attempt, successful or not (failures are
   * reported through `lost` and retried in the background).
   */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#connect();
  }

  /** Stops listening for good and closes the session. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#heartbeat);
    const client = this.#client;
    this.#client = null;
    this.#listening = false;
    this.#backendPid = null;
    if (client) await endQuietly(client, 2_000);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = this.newClient();
    this.#client = client;
    client.on('notification', (n) => {
      if (client === this.#client && n.channel === this.channel && n.payload !== undefined) {
        this.events.message(n.payload);
      }
    });
    client.on('error', (error) => this.#lose(client, error));
    client.on('end', () => this.#lose(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      if (client !== this.#client) return;
      this.#attempt = 0;
      this.#backendPid = rows[0]?.pid ?? null;
      this.#listening = true;
      this.events.status(true);
      this.#scheduleHeartbeat(client);
    } catch (error) {
      this.#lose(client, error);
    }
  }

  #scheduleHeartbeat(client: pg.Client): void {
    this.#heartbeat = setTimeout(() => {
      void withDeadline(client.query('SELECT 1'), this.options.heartbeatTimeoutMs).then(
        () => {
          if (client === this.#client) this.#scheduleHeartbeat(client);
        },
        (error: unknown) => this.#lose(client, error),
      );
    }, this.options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Drops a session (once: later events of the same client are ignored) and schedules a retry. */
  #lose(client: pg.Client, error: unknown): void {
    if (client !== this.#client) return;
    this.#client = null;
    clearTimeout(this.#heartbeat);
    const wasListening = this.#listening;
    this.#listening = false;
    this.#backendPid = null;
    // A dead client may still emit: keep an error listener so pg never raises it as uncaught.
    client.removeAllListeners('notification');
    void endQuietly(client, 2_000);
    if (wasListening) this.events.status(false);
    if (this.#stopped) return;
    const delay = this.#nextDelay();
    this.events.lost(error, delay);
    this.#retry = setTimeout(() => void this.#connect(), delay);
    this.#retry.unref();
  }

  #nextDelay(): number {
    const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffMinMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    // Half fixed, half jitter: replicas that lost the database together do not return together.
    return Math.round(ceiling / 2 + (this.jitter() * ceiling) / 2);
  }
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Ends a client without waiting forever on a dead socket, and without raising anything. */
async function endQuietly(client: pg.Client, ms: number): Promise<void> {
  client.on('error', () => undefined);
  await withDeadline(client.end(), ms).catch(() => undefined);
}
