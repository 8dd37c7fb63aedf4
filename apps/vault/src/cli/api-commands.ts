import { Option, type Command } from 'commander';
import { printResult, table, type CliIo } from './cli-output';

/** The HTTP client and the answer schemas, loaded when a command runs (zod alone is ~50 ms). */
async function load() {
  const [client, schemas] = await Promise.all([import('./api-client.js'), import('./api-schemas.js')]);
  return { ...client, ...schemas };
}

/** Runs one command's action with --json known; failures are printed by the caller's wrapper. */
export type Act = <A extends unknown[]>(
  fn: (json: boolean, ...args: A) => Promise<void>,
) => (...args: A) => Promise<void>;

interface Target {
  url?: string;
  key?: string;
}

/**
 * Commands on a running vault's public API, as the project's backend would call it: connect
 * sessions, installations, connections and credentials. They load no vault module: a call costs
 * the HTTP round trip.
 */
export function addApiCommands(program: Command, io: CliIo, act: Act): void {
  const leaf = (parent: Command, name: string, description: string) =>
    parent
      .command(name)
      .description(description)
      .option('--json', 'print machine-readable JSON on stdout')
      .option('--url <url>', 'the vault (default: AUTHPIPE_URL, the sandbox, or http://HOST:PORT)')
      .option('--key <secretKey>', 'a project secret key (default: AUTHPIPE_SECRET_KEY, or the sandbox demo key)')
      .exitOverride();
  const provider = () => new Option('--provider <provider>', 'the provider').default('microsoft-onedrive');
  const credentialFor = () =>
    new Option('--for <kind>', 'installation (app-only) or user (delegated)')
      .choices(['installation', 'user'])
      .makeOptionMandatory();

  const sessions = program.command('connect-session').description('Create connect sessions (install or connect URLs)');
  leaf(sessions, 'create', 'Create a connect session and print the URL to open in a browser')
    .requiredOption('-t, --tenant <tenantId>', "the project's id for the tenant (e.g. org_acme)")
    .addOption(credentialFor())
    .option('-u, --user <userId>', "the project's id for the user (required with --for user)")
    .addOption(provider())
    .option('--return-to <url>', 'where the browser goes back to (redirect mode)')
    .action(
      act(
        async (
          json,
          opts: Target & { tenant: string; for: string; user?: string; provider: string; returnTo?: string },
        ) => {
          const { apiTarget, callApi, session } = await load();
          const created = session.parse(
            await callApi(apiTarget(io.env, opts), 'POST', '/v1/connect-sessions', {
              tenantId: opts.tenant,
              credentialFor: opts.for,
              provider: opts.provider,
              ...(opts.user !== undefined ? { userId: opts.user } : {}),
              ...(opts.returnTo !== undefined ? { returnTo: opts.returnTo, mode: 'redirect' } : {}),
            }),
          );
          printResult(io, json, created, () => `${created.url}\n(open it in a browser before ${created.expiresAt})`);
        },
      ),
    );

  const list = (kind: 'installation' | 'connection') =>
    act(async (json, opts: Target & { tenant?: string; provider?: string; status?: string }) => {
      const { apiTarget, callApi, page, installation, connection } = await load();
      const query = new URLSearchParams();
      if (opts.tenant !== undefined) query.set('tenantId', opts.tenant);
      if (opts.provider !== undefined) query.set('provider', opts.provider);
      if (opts.status !== undefined) query.set('status', opts.status);
      const route = `/v1/${kind}s${query.size > 0 ? `?${query}` : ''}`;
      const answer = await callApi(apiTarget(io.env, opts), 'GET', route);
      if (kind === 'installation') {
        const found = page(installation).parse(answer);
        printResult(io, json, found, () =>
          found.data.length === 0
            ? 'No installations.'
            : table([
                ['ID', 'TENANT', 'PROVIDER', 'DIRECTORY', 'STATUS'],
                ...found.data.map((i) => [i.id, i.tenantId, i.provider, i.directoryId, i.status]),
              ]),
        );
      } else {
        const found = page(connection).parse(answer);
        printResult(io, json, found, () =>
          found.data.length === 0
            ? 'No connections.'
            : table([
                ['ID', 'TENANT', 'USER', 'ACCOUNT', 'PROVIDER', 'STATUS'],
                ...found.data.map((c) => [c.id, c.tenantId, c.userId, c.account.upn ?? '-', c.provider, c.status]),
              ]),
        );
      }
    });
  const remove = (kind: 'installation' | 'connection') =>
    act(async (json, id: string, opts: Target) => {
      const { apiTarget, callApi } = await load();
      await callApi(apiTarget(io.env, opts), 'DELETE', `/v1/${kind}s/${encodeURIComponent(id)}`);
      printResult(io, json, { id, deleted: true }, () => `Deleted ${kind} ${id} and its tokens.`);
    });
  for (const kind of ['installation', 'connection'] as const) {
    const group = program.command(kind).description(`List and delete ${kind}s`);
    leaf(group, 'list', `List ${kind}s (never tokens)`)
      .option('-t, --tenant <tenantId>', 'only this tenant')
      .option('--provider <provider>', 'only this provider')
      .option('--status <status>', 'only this status (active, degraded, needs_reauth, revoked, ...)')
      .action(list(kind));
    leaf(group, 'delete', `Delete a ${kind} and its tokens`).argument('<id>', `the ${kind} id`).action(remove(kind));
  }

  const credentials = program.command('credential').description('Get a valid access token, as getCredential does');
  leaf(credentials, 'get', 'Print a valid access token (the whole answer with --json)')
    .requiredOption('-t, --tenant <tenantId>', "the project's id for the tenant")
    .addOption(credentialFor())
    .option('-u, --user <userId>', "the project's id for the user (with --for user)")
    .addOption(provider())
    .option('--force-refresh', 'refresh the token now rather than serve the cached one')
    .action(
      act(
        async (
          json,
          opts: Target & { tenant: string; for: string; user?: string; provider: string; forceRefresh?: boolean },
        ) => {
          const { apiTarget, callApi, credential } = await load();
          const query = new URLSearchParams({ tenantId: opts.tenant, credentialFor: opts.for });
          if (opts.user !== undefined) query.set('userId', opts.user);
          if (opts.forceRefresh) query.set('forceRefresh', 'true');
          const answer = credential.parse(
            await callApi(
              apiTarget(io.env, opts),
              'GET',
              `/v1/credentials/${encodeURIComponent(opts.provider)}?${query}`,
            ),
          );
          // The token alone on stdout, so `$(authpipe credential get ...)` is the token.
          printResult(io, json, answer, () => answer.credential);
        },
      ),
    );
}
