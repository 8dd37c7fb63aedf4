import { Command, CommanderError, Option } from 'commander';
import type { KeyJobProgress } from '../keys/key-job.types';
import type { KeyJobDto } from '../admin/key-job.dto';
import { addApiCommands } from './api-commands';
import type { VaultBackend } from './vault-backend';
import { EXIT, UsageError, printFailure, printResult, table, type CliIo } from './cli-output';

interface JsonOption {
  json?: boolean;
}

/** Runs the `authpipe` CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  // Known before parsing, so a usage error (unknown command, missing option) answers in JSON too.
  const json = argv.includes('--json');
  const program = buildProgram(io, json, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and version end through here too, with exit code 0; commander already printed.
    if (error.exitCode === 0) return EXIT.ok;
    // Without --json commander already printed the error and a hint on stderr.
    if (json) printFailure(io, usageFailure(error), true);
    return EXIT.usage;
  }
  return exitCode;
}

function usageFailure(error: CommanderError) {
  return { code: 'invalid_arguments', message: error.message.replace(/^error: /, ''), exitCode: EXIT.usage };
}

function buildProgram(io: CliIo, json: boolean, setExit: (code: number) => void): Command {
  const program = new Command('authpipe')
    .description(
      'Authpipe vault administration: projects, API keys, master and tenant keys; connect sessions, ' +
        'installations, connections and credentials through a running vault.',
    )
    .version(io.version ?? 'unknown', '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      // With --json, usage errors are printed once, as JSON, by runCli.
      writeErr: (s) => (json ? undefined : io.stderr.write(s)),
    });

  /** Declares a leaf command with --json and runs its action against an opened vault. */
  const leaf = (parent: Command, name: string, description: string) =>
    parent
      .command(name)
      .description(description)
      .option('--json', 'print machine-readable JSON on stdout')
      .exitOverride();

  /** Wraps an action: --json known, any failure classified and printed, the exit code set. */
  const run =
    <A extends unknown[]>(fn: (json: boolean, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const command = args.at(-1) as Command;
      const json = Boolean(command.opts<JsonOption>().json);
      try {
        await fn(json, ...args);
      } catch (error) {
        // Classifying needs the vault's error classes: loaded only now.
        const { toFailure } = await import('./cli-failure.js');
        const failure = toFailure(error);
        printFailure(io, failure, json);
        setExit(failure.exitCode);
      }
    };

  /** An action on the vault's own data: the database, or a running vault's admin API. */
  const act = <A extends unknown[]>(fn: (vault: VaultBackend, json: boolean, ...args: A) => Promise<void>) =>
    run<A>(async (json, ...args) => {
      const { openBackend } = await import('./vault-backend.js');
      const opened = await openBackend(io.env);
      const vault = opened.backend;
      try {
        if (opened.createdKeyFile) {
          io.stderr.write(`authpipe: WARNING generated a new master key in ${opened.createdKeyFile}; back it up.\n`);
        }
        if (vault.where !== 'database')
          io.stderr.write(`authpipe: the embedded database is in use; running the command on ${vault.where}\n`);
        await fn(vault, json, ...args);
      } finally {
        await vault.close().catch(() => undefined);
      }
    });

  addApiCommands(program, io, run);

  const project = program.command('project').description('Create and list projects');
  leaf(project, 'create', 'Create a project')
    .argument('<name>', 'display name of the project')
    .action(
      act(async (vault, json, name: string) => {
        const created = await vault.createProject(name);
        printResult(io, json, created, () => `Created project ${created.id} (${created.name})`);
      }),
    );
  leaf(project, 'list', 'List projects').action(
    act(async (vault, json) => {
      const projects = await vault.listProjects();
      printResult(io, json, projects, () =>
        projects.length === 0
          ? 'No projects.'
          : table([
              ['ID', 'NAME', 'SHARED DIRECTORIES', 'CREATED'],
              ...projects.map((p) => [p.id, p.name, p.allowSharedDirectories ? 'allowed' : 'refused', p.createdAt]),
            ]),
      );
    }),
  );
  leaf(project, 'update', "Change a project's settings")
    .argument('<projectId>', 'the project')
    .addOption(
      new Option(
        '--allow-shared-directories <on|off>',
        'let several tenants install the same Microsoft directory (off by default)',
      ).choices(['on', 'off']),
    )
    .action(
      act(async (vault, json, projectId: string, opts: { allowSharedDirectories?: 'on' | 'off' }) => {
        if (opts.allowSharedDirectories === undefined)
          throw new UsageError('Name a setting to change, e.g. --allow-shared-directories off.');
        const updated = await vault.updateProject(projectId, {
          allowSharedDirectories: opts.allowSharedDirectories === 'on',
        });
        printResult(
          io,
          json,
          updated,
          () => `Project ${updated.id}: shared directories ${updated.allowSharedDirectories ? 'allowed' : 'refused'}.`,
        );
      }),
    );

  const projectOption = new Option('-p, --project <projectId>', 'the project').makeOptionMandatory();
  const key = program.command('key').description('Create, list and revoke project secret keys');
  leaf(key, 'create', 'Create a secret key (shown once)')
    .addOption(projectOption)
    .option('-n, --name <name>', 'a label for the key', 'default')
    .action(
      act(async (vault, json, opts: { project: string; name: string }) => {
        const created = await vault.createKey(opts.project, opts.name);
        printResult(io, json, created, () =>
          [
            `Created key ${created.id} (${created.name}) for project ${created.projectId}.`,
            `Secret key (shown once, store it now): ${created.secretKey}`,
          ].join('\n'),
        );
      }),
    );
  leaf(key, 'list', "List a project's keys (never their secrets)")
    .addOption(projectOption)
    .action(
      act(async (vault, json, opts: { project: string }) => {
        const keys = await vault.listKeys(opts.project);
        printResult(io, json, keys, () =>
          keys.length === 0
            ? 'No keys.'
            : table([
                ['ID', 'NAME', 'KEY', 'CREATED', 'LAST USED', 'STATUS'],
                ...keys.map((k) => [
                  k.id,
                  k.name,
                  `ap_sk_${k.publicId}_…${k.lastFour}`,
                  k.createdAt,
                  k.lastUsedAt ?? '-',
                  k.revokedAt ? 'revoked' : 'active',
                ]),
              ]),
        );
      }),
    );
  leaf(key, 'revoke', 'Revoke a key; requests with it get 401 revoked_api_key')
    .addOption(projectOption)
    .argument('<keyId>', 'key id (key_...) or public id')
    .action(
      act(async (vault, json, keyId: string, opts: { project: string }) => {
        const revoked = await vault.revokeKey(opts.project, keyId);
        printResult(io, json, revoked, () => `Revoked key ${revoked.id} at ${revoked.revokedAt ?? ''}`);
      }),
    );

  const masterKey = program.command('master-key').description('Master key rotation');
  leaf(masterKey, 'rotate', 'Rewrap every data key under the newest master key in AUTHPIPE_MASTER_KEYS').action(
    act(async (vault, json) => {
      const job = await vault.rotateMasterKey(progress(io));
      printJob(io, json, job);
    }),
  );

  const tenant = program.command('tenant').description("Rotate or shred a tenant's keys");
  leaf(tenant, 'rotate-key', 'Give a tenant a new data key and re-encrypt its secrets')
    .addOption(projectOption)
    .argument('<tenantId>', "the project's id for the tenant (e.g. org_acme)")
    .action(
      act(async (vault, json, tenantId: string, opts: { project: string }) => {
        const job = await vault.rotateTenantKey(opts.project, tenantId, progress(io));
        printJob(io, json, job);
      }),
    );
  leaf(tenant, 'shred', "Destroy a tenant's data keys and secrets (irreversible)")
    .addOption(projectOption)
    .option('--yes', "confirm: the tenant's secrets become unreadable forever")
    .argument('<tenantId>', "the project's id for the tenant (e.g. org_acme)")
    .action(
      act(async (vault, json, tenantId: string, opts: { project: string; yes?: boolean }) => {
        if (!opts.yes) throw new UsageError(`Shredding ${tenantId} cannot be undone: pass --yes to confirm.`);
        const job = await vault.shredTenant(opts.project, tenantId, progress(io));
        printJob(io, json, job);
      }),
    );
  return program;
}

/** Progress of long jobs goes to stderr, so `--json` output on stdout stays parseable. */
function progress(io: CliIo): (p: KeyJobProgress) => void {
  return (p) => {
    const pct = p.total > 0 ? ` (${Math.floor((100 * p.processed) / p.total)}%)` : '';
    io.stderr.write(`${p.kind}: ${p.processed}/${p.total}${pct}\n`);
  };
}

function printJob(io: CliIo, json: boolean, job: KeyJobDto): void {
  printResult(io, json, job, () =>
    [
      `${job.kind} ${job.id}: ${job.status}, ${job.processed}/${job.total} processed`,
      ...Object.entries(job.result).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
    ].join('\n'),
  );
}
