// The README's quick start, followed as a newcomer follows it: `npm start` on a fresh data
// directory, the landing page at `/` in Chromium, the example's connect flow, then the README's own
// curl commands and Node SDK snippet, taken from README.md itself so a README that drifts from the
// product fails here. Only the documented overrides are changed: PORT (and so the URL) and
// AUTHPIPE_DATA_DIR (and so `./data`).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { freeBasePort } from '@test/support/free-ports';
import { launchChromium } from '@test/support/chromium';
import { buildCli } from '@test/support/cli-runner';
import { seedPgliteDirectory } from '@test/support/test-database';

const repo = path.resolve(__dirname, '../..');
const README = readFileSync(path.join(repo, 'README.md'), 'utf8');
/** Where the README's commands point, replaced by this test's port and data directory. */
const README_URL = 'http://127.0.0.1:3000';
const README_DATA = './data/';

/** The fenced code blocks of the README's section `heading`, in order. */
function codeBlocks(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** A shell block's commands: continuation lines joined, comment lines and trailing comments left out. */
function shellCommands(block: string): string[] {
  const commands: string[] = [];
  let current = '';
  for (const line of block.split('\n')) {
    if (current === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    current += `${line}\n`;
    if (!line.endsWith('\\')) {
      commands.push(current.replace(/\s+#[^'"]*$/, '').trim());
      current = '';
    }
  }
  return commands;
}

/** The one command of `commands` that starts with `prefix` and contains `part`. */
function commandLike(commands: string[], prefix: string, part = ''): string {
  const found = commands.filter((c) => c.startsWith(prefix) && c.includes(part));
  if (found.length !== 1)
    throw new Error(`README quick start: expected one "${prefix}…${part}" command, found ${found.length}`);
  return found[0];
}

describe(
  "the README's quick start, from a fresh data directory to a token printed by the Node SDK",
  { timeout: 120_000 },
  () => {
    let build: ReturnType<typeof buildCli>;
    let dataDir: string;
    let baseUrl: string;
    let env: Record<string, string>;
    let vault: ChildProcess;
    let output = '';
    let browser: Browser;

    /** Runs README commands in bash at the repository root, as a reader pastes them into a shell. */
    function shell(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
      const local = script.replaceAll(README_URL, baseUrl).replaceAll(README_DATA, `${dataDir}/`);
      return new Promise((resolve) => {
        execFile(
          'bash',
          ['-euo', 'pipefail', '-c', local],
          { cwd: repo, env, timeout: 60_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
      });
    }

    beforeAll(async () => {
      // `npm start` is `npm run build && node <entry>`: the same build, into a directory of its own
      // (dist/ may be in use by the reader's own vault), then the entry the script names.
      const start = (
        JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
      ).scripts.start;
      const entry = /^npm run build && node (\S+)$/.exec(start)?.[1];
      expect(entry, `package.json's start script: ${start}`).toBe('dist/apps/vault/src/main.js');
      build = buildCli();
      const main = path.join(path.dirname(build.entry), '..', 'main.js');

      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-quick-start-'));
      // Fresh but for the database files on the PGlite run: a copy of the run's migrated template (the
      // vault still checks migrations at boot), so a loaded machine does not spend the budget replaying
      // them. No key file, sandbox file or admin token exists yet.
      await seedPgliteDirectory(path.join(dataDir, 'pg'));
      const port = await freeBasePort();
      baseUrl = `http://127.0.0.1:${port}`;
      // A reader's shell: no test settings, no PostgreSQL (the quick start is the embedded database);
      // whatever else the environment holds (faketime's clock under CI) is kept.
      env = Object.fromEntries(
        Object.entries(process.env).filter(
          (entry): entry is [string, string] =>
            entry[1] !== undefined &&
            !/^(VITEST|NODE_ENV$|DATABASE_URL$|AUTHPIPE_|PORT$|HOST$|LOG_LEVEL$)/.test(entry[0]),
        ),
      );
      env.PORT = String(port);
      env.AUTHPIPE_DATA_DIR = dataDir;
      vault = spawn(process.execPath, [main], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
      vault.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      vault.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      if (vault && vault.exitCode === null && vault.signalCode === null) {
        const exited = once(vault, 'exit');
        vault.kill('SIGTERM');
        await exited;
      }
      await build?.remove();
      if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    });

    /** The emulator's sign-in page, past the vault's start page: signs in as `upn` and approves. */
    async function signInAndApprove(flow: Page, upn: string): Promise<void> {
      await Promise.all([flow.waitForURL(/\/authorize\?/), flow.click('text=Continue to Microsoft')]);
      await flow.waitForSelector('#login');
      await flow.selectOption('#login', upn);
    }

    it('starts as the README says, then the landing page, the example connect flow, curl and the Node SDK give a token', async () => {
      const [quickStart, tryIt, fromNode] = codeBlocks('Quick start');
      expect(shellCommands(quickStart)).toEqual(['npm ci', 'npm start', 'npm test']);
      const commands = shellCommands(tryIt);

      // Readiness as the README checks it: /readyz, then sandbox.json with the demo key is there.
      expect(commandLike(commands, 'curl', '/readyz')).toBe(`curl ${README_URL}/readyz`);
      await vi
        .waitFor(
          async () => {
            if (vault.exitCode !== null) throw new Error(`npm start exited ${vault.exitCode}`);
            const res = await fetch(`${baseUrl}/readyz`);
            if (res.status !== 200) throw new Error(`readyz ${res.status}`);
          },
          { timeout: 90_000, interval: 100 },
        )
        .catch((error: unknown) => {
          throw new Error(`the vault did not become ready (${String(error)}); its output:\n${output}`);
        });
      expect(output).toContain('Authpipe sandbox');

      // The landing page, with the account the README signs in with, and its example.
      const demoUser = /sign in as (\S+@\S+?),/.exec(tryIt)?.[1];
      expect(demoUser).toBe(SEED.contoso.adele.upn);
      const context = await browser.newContext();
      const page = await context.newPage();
      const landing = await page.goto(`${baseUrl}/`, { waitUntil: 'domcontentloaded' });
      expect(landing?.status()).toBe(200);
      expect(await page.title()).toBe('Authpipe sandbox');
      expect(await page.textContent('body')).toContain(demoUser);
      await Promise.all([page.waitForURL(`${baseUrl}/sandbox/example`), page.click('text=React example')]);
      await page.waitForSelector('#connect', { timeout: 15_000 });
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')]);
      await signInAndApprove(popup, demoUser!);
      await Promise.all([popup.waitForEvent('close'), popup.click('#approve')]);
      await page.waitForSelector('#log li[data-kind="connected"]');

      // The README's own commands: a connect session, its URL in the browser, then a token.
      const key = commandLike(commands, 'KEY=');
      const session = await shell(`${key}\n${commandLike(commands, 'curl', '/v1/connect-sessions')}`);
      expect(session.code, session.stderr).toBe(0);
      const url = (JSON.parse(session.stdout) as { url: string }).url;
      expect(url.startsWith(`${baseUrl}/connect/`)).toBe(true);
      const tab = await context.newPage();
      await tab.goto(url, { waitUntil: 'domcontentloaded' });
      await signInAndApprove(tab, demoUser!);
      await Promise.all([tab.waitForURL(`${baseUrl}/oauth/**`), tab.click('#approve')]);
      expect(await tab.title()).toBe('Connection complete');
      expect(await tab.textContent('body')).toContain(demoUser);
      await context.close();

      const token = await shell(`${key}\n${commandLike(commands, 'curl', '/v1/credentials/')}`);
      expect(token.code, token.stderr).toBe(0);
      const credential = (JSON.parse(token.stdout) as { credential: string }).credential;
      expect(credential.length).toBeGreaterThan(16);
      const connections = await shell(`${key}\n${commandLike(commands, 'curl', '/v1/connections')}`);
      expect(connections.code, connections.stderr).toBe(0);
      expect(JSON.parse(connections.stdout)).toMatchObject({
        data: [expect.objectContaining({ tenantId: 'org_acme' })],
      });

      // The Node snippet, as printed: the same token, from the SDK's answer.
      const sdk = await shell(`${key}\n${fromNode}`);
      expect(sdk.code, sdk.stderr).toBe(0);
      expect(sdk.stdout).toMatch(/^\S{16}… valid until \S+\n$/);
      expect(sdk.stdout.startsWith(`${credential.slice(0, 16)}…`)).toBe(true);
    });
  },
);
