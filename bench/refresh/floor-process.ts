// The refresh benchmark's baselines (started by refresh.bench.ts, never on its own): what the two
// things every refresh must do cost at the least on this machine, each alone, measured in the
// same run as the vault so the vault's CPU per refresh can be read against them. Per due
// connection, with the vault's concurrency:
//   http — the token request as bytes: one refresh-grant POST through an undici keep-alive Agent
//          over TLS (the transport the vault's library uses), its JSON parsed. No library.
//   msal — the token request as the vault makes it: the vault's Microsoft library
//          (MicrosoftAuth.refresh, a fresh msal-node client per call through the library's
//          HttpClient).
//   db   — the write as bytes: one single-row UPDATE of the connection in autocommit on a pg Pool
//          of the vault's size. No cryptography, no transaction, no history or event.
// http + db is the least a refresh costs here; msal − http is what msal-node and the library add;
// vault − (msal + db) is the vault's own work (lease, decrypt, encrypt, one transaction with
// history and event, metrics).
import { Agent, request } from 'undici';
import pg from 'pg';
import { HttpClient, MicrosoftAuth, MsalClientFactory, type MicrosoftApp } from '@authpipe/microsoft';

export type FloorMode = 'http' | 'msal' | 'db';

/** What the parent asks: do one mode's work once per connection. */
export interface FloorCommand {
  mode: FloorMode;
  databaseUrl: string;
  /** The emulator's origin and CA. */
  baseUrl: string;
  ca: string;
  /** The tenant segment of the token endpoint (`organizations`). */
  authority: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  concurrency: number;
  items: { connectionId: string; refreshToken: string }[];
}

/** What this process answers. */
export interface FloorResult {
  done: number;
  cpuMicros: number;
  userMicros: number;
  systemMicros: number;
}

// The vault's own pool size (database.ts).
const POOL_SIZE = 10;

async function run(command: FloorCommand): Promise<FloorResult> {
  const pool = new pg.Pool({ connectionString: command.databaseUrl, max: POOL_SIZE });
  const agent = new Agent({ connect: { ca: command.ca }, keepAliveTimeout: 10_000, connections: 32 });
  const http = new HttpClient({ caCertificates: [command.ca], allowPrivateNetworks: ['127.0.0.1/32', '::1/128'] });
  const auth = new MicrosoftAuth(new MsalClientFactory({ http }));
  const app: MicrosoftApp = {
    clientId: command.clientId,
    cloud: { name: 'custom', loginUrl: command.baseUrl, graphUrl: command.baseUrl },
    credential: { clientSecret: command.clientSecret },
  };
  const tokenUrl = `${command.baseUrl}/${command.authority}/oauth2/v2.0/token`;

  const tokenBytes = async (refreshToken: string): Promise<void> => {
    const response = await request(tokenUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: command.clientId,
        client_secret: command.clientSecret,
        refresh_token: refreshToken,
        scope: command.scopes.join(' '),
      }).toString(),
    });
    const body = (await response.body.json()) as { access_token?: unknown };
    if (response.statusCode !== 200 || typeof body.access_token !== 'string') {
      throw new Error(`token request answered ${response.statusCode}`);
    }
  };
  const tokenMsal = async (refreshToken: string): Promise<void> => {
    await auth.refresh({ app, authority: command.authority, refreshToken, scopes: command.scopes });
  };
  const write = async (connectionId: string): Promise<void> => {
    await pool.query('UPDATE connections SET last_refreshed_at = now() WHERE id = $1', [connectionId]);
  };
  const work: (item: FloorCommand['items'][number]) => Promise<void> =
    command.mode === 'http'
      ? (item) => tokenBytes(item.refreshToken)
      : command.mode === 'msal'
        ? (item) => tokenMsal(item.refreshToken)
        : (item) => write(item.connectionId);

  // One warm-up call (TLS connection, OpenID configuration, pool) outside the measurement.
  await work(command.items[0]);

  let next = 0;
  const worker = async () => {
    for (let i = next++; i < command.items.length; i = next++) await work(command.items[i]);
  };
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  const used = process.cpuUsage(cpu);
  await pool.end();
  await agent.close();
  return {
    done: command.items.length,
    cpuMicros: used.user + used.system,
    userMicros: used.user,
    systemMicros: used.system,
  };
}

process.once('message', (command: FloorCommand) => {
  run(command).then(
    (result) => process.send!(result, undefined, undefined, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`bench floor process failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
});
