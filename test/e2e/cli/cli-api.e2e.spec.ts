import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject, anApp, anAppBody, anEmulatorApp, type TestProject } from '@test/support/builders';
import { buildCli, runCli, type CliRun } from '@test/support/cli-runner';
import { useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const SLOW = { timeout: 120_000 };

// The commands a project's backend would run against a vault's public API, and what every
// command shares: --version, usage errors in JSON.
describe('authpipe CLI on the public API of a running vault', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let cli: ReturnType<typeof buildCli>;
  let project: TestProject;
  let env: Record<string, string>;
  const run = (...args: string[]): Promise<CliRun> => runCli(cli.entry, args, env);

  beforeAll(async () => {
    cli = buildCli();
    project = await aProject(vault);
    await anApp(vault, project, anAppBody(t, await anEmulatorApp(t)));
    await vault.app.listen({ host: '127.0.0.1', port: 0 });
    env = {
      AUTHPIPE_URL: await vault.app.getUrl(),
      AUTHPIPE_SECRET_KEY: project.key,
      AUTHPIPE_DATA_DIR: vault.dataDir,
    };
  }, 120_000);
  afterAll(async () => {
    await cli?.remove();
  });

  it('prints its version and lists the API commands in its help', async () => {
    const version = await run('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await run('--help');
    for (const group of ['connect-session', 'installation', 'connection', 'credential'])
      expect(help.stdout).toContain(group);
  });

  it.each([
    [['project', 'frobnicate', '--json'], /unknown command/],
    [['credential', 'get', '--tenant', 'org_a', '--json'], /--for/],
    [
      ['connect-session', 'create', '--tenant', 'org_a', '--for', 'nobody', '--json'],
      /Allowed choices are installation, user/,
    ],
  ])('answers a usage error in JSON on stdout with --json: %j', async (args, message) => {
    const res = await run(...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('');
    expect(res.json()).toEqual({ error: { code: 'invalid_arguments', message: expect.stringMatching(message) } });
  });

  it('creates a connect session and prints the URL to open', SLOW, async () => {
    const human = await run('connect-session', 'create', '--tenant', 'org_cli', '--for', 'user', '--user', 'u_1');
    expect(human.code).toBe(0);
    const url = human.stdout.split('\n')[0];
    // The vault's public URL (AUTHPIPE_PUBLIC_URL), which browsers reach.
    expect(url.startsWith(`${vault.env.AUTHPIPE_PUBLIC_URL}/connect/microsoft-onedrive?session=`)).toBe(true);
    const json = await run('connect-session', 'create', '--tenant', 'org_cli', '--for', 'installation', '--json');
    expect(json.json()).toMatchObject({ url: expect.stringContaining('/connect/'), expiresAt: expect.any(String) });
  });

  it('lists installations and connections, and answers a missing one with its not-found code', SLOW, async () => {
    const installations = await run('installation', 'list', '--tenant', 'org_cli', '--json');
    expect(installations.json()).toEqual(expect.objectContaining({ data: [] }));
    expect((await run('connection', 'list')).stdout.trim()).toBe('No connections.');
    const missing = await run('connection', 'delete', 'con_missing', '--json');
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toMatch(/not_found$/);
  });

  it('gets a credential, or says why not with the stable code', SLOW, async () => {
    const res = await run('credential', 'get', '--tenant', 'org_cli', '--for', 'user', '--user', 'u_1', '--json');
    expect(res.code).toBe(1);
    expect(res.json().error.code).toBe('credential_not_found');
  });

  it('names the key it needs, and a vault that does not answer', async () => {
    const { AUTHPIPE_SECRET_KEY: _key, ...withoutKey } = env;
    const noKey = await runCli(cli.entry, ['installation', 'list', '--json'], withoutKey);
    expect(noKey.code).toBe(2);
    expect(noKey.json().error.message).toContain('AUTHPIPE_SECRET_KEY');
    const down = await run('installation', 'list', '--url', 'http://127.0.0.1:9', '--json');
    expect(down.code).toBe(1);
    expect(down.json().error).toMatchObject({
      code: 'vault_unreachable',
      message: expect.stringContaining('127.0.0.1:9'),
    });
  });
});
