import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { createVaultApp } from '../../apps/vault/src/bootstrap';
import { VAULT_CONFIG } from '../../apps/vault/src/config/config.module';
import { loadConfig, type VaultConfig } from '../../apps/vault/src/config/config.schema';
import {
  sandboxMicrosoft,
  startSandbox,
  startSandboxEmulator,
  type RunningSandbox,
} from '../../apps/vault/src/sandbox/sandbox';
import { registerSandboxExample, SANDBOX_EXAMPLE_PATH } from '../../apps/vault/src/sandbox/sandbox-example';
import { launchChromium } from '@test/support/chromium';
import { createTestDatabase, type TestDatabase } from '@test/support/test-database';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface LogEntry {
  kind: string;
  detail: Record<string, unknown>;
}

/** The example page's log of what the buttons' callbacks received. */
async function logOf(page: Page): Promise<LogEntry[]> {
  return page.$$eval('#log li', (items) =>
    items.map((item) => ({
      kind: item.getAttribute('data-kind') ?? '',
      detail: JSON.parse(item.querySelector('code')?.textContent ?? '{}') as Record<string, unknown>,
    })),
  );
}

/**
 * Brings a flow window to the emulator's sign-in form, past the vault's start page where there is
 * one ("Continue to Microsoft"), then signs in as `upn` and approves; an installation's admin
 * approves the admin consent page that follows too.
 */
async function completeAtEmulator(flow: Page, upn: string, kind: 'installation' | 'user'): Promise<void> {
  const first = await flow.waitForSelector('#login, :is(a, button):has-text("Continue to Microsoft")');
  if ((await first.getAttribute('id')) !== 'login') await first.click();
  await flow.waitForSelector('#login');
  await flow.selectOption('#login', upn);
  if (kind === 'installation') {
    await Promise.all([flow.waitForURL(/\/v2\.0\/adminconsent\?/), flow.click('#approve')]);
    await flow.waitForSelector('#login');
    await flow.selectOption('#login', upn);
  }
}

// Browser steps on a loaded 2-core machine can take tens of seconds each.
describe('@authpipe/react example page in headless Chromium', { timeout: 180_000 }, () => {
  let dataDir: string;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let exampleUrl: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-react-'));
    db = await createTestDatabase();
    const port = await freePort();
    const vaultUrl = `http://127.0.0.1:${port}`;
    exampleUrl = `${vaultUrl}${SANDBOX_EXAMPLE_PATH}`;
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      AUTHPIPE_PUBLIC_URL: vaultUrl,
      AUTHPIPE_DATA_DIR: dataDir,
      AUTHPIPE_MASTER_KEYS: `1:${randomBytes(32).toString('base64')}`,
    };
    const emulator = await startSandboxEmulator(loadConfig(env), { emulatorPort: 0, emulatorHttpPort: 0 });
    let demoProject: string | null = null;
    // As main.ts wires it in sandbox mode.
    app = await createVaultApp({
      env,
      database: db,
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
      microsoft: sandboxMicrosoft(emulator),
      extraRoutes: (created) => registerSandboxExample(created, () => demoProject),
    });
    await app.listen({ host: '127.0.0.1', port });
    sandbox = await startSandbox(app, app.get<VaultConfig>(VAULT_CONFIG), emulator);
    demoProject = sandbox.file.projectId;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    await app?.close();
    await db?.close();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  async function openExample(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    // What went wrong on the page, for the failure message of a page that never renders.
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    const response = await page.goto(exampleUrl, { waitUntil: 'domcontentloaded' });
    expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    await page.waitForSelector('#install', { timeout: 15_000 }).catch((error: unknown) => {
      throw new Error(`the example page did not render: ${problems.join('; ') || String(error)}`);
    });
    return page;
  }

  it('lands on / with the demo accounts, and its link opens the working example', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(exampleUrl.replace(SANDBOX_EXAMPLE_PATH, '/'), { waitUntil: 'domcontentloaded' });
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Authpipe sandbox');
    const text = await page.textContent('body');
    expect(text).toContain(SEED.contoso.admin.upn);
    expect(text).toContain(SEED.consumers.megan.upn);
    await Promise.all([page.waitForURL(exampleUrl), page.click('a[href="/sandbox/example"]')]);
    await page.waitForSelector('#install', { timeout: 15_000 });
    await context.close();
  });

  it('installs through the popup, onInstall receives the installation, then connects a user', async () => {
    const context = await browser.newContext();
    const page = await openExample(context);
    expect(await page.getAttribute('#install', 'aria-busy')).toBe('false');
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#install')]);
    expect(await page.getAttribute('#install', 'aria-busy')).toBe('true');
    expect(await page.isDisabled('#install')).toBe(true);
    await completeAtEmulator(popup, SEED.contoso.admin.upn, 'installation');
    await Promise.all([popup.waitForEvent('close'), popup.click('#approve')]);
    await page.waitForSelector('#log li[data-kind="installed"]');
    const [installed] = await logOf(page);
    expect(installed?.detail).toMatchObject({
      provider: 'microsoft-onedrive',
      tenantId: 'org_demo',
      installationId: expect.stringMatching(/^ins_/),
    });
    const row = await db.prisma.installation.findUniqueOrThrow({
      where: { id: installed.detail.installationId as string },
    });
    expect(row.projectId).toBe(sandbox.file.projectId);
    // The flow is over: the button is usable again and has the focus back.
    expect(await page.getAttribute('#install', 'aria-busy')).toBe('false');
    expect(await page.isDisabled('#install')).toBe(false);
    // Focus comes back in an effect after that render: wait for it rather than read it once.
    await page.waitForFunction(() => document.activeElement?.id === 'install');

    const [userPopup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')]);
    await completeAtEmulator(userPopup, SEED.contoso.adele.upn, 'user');
    await Promise.all([userPopup.waitForEvent('close'), userPopup.click('#approve')]);
    await page.waitForSelector('#log li[data-kind="connected"]');
    const connected = (await logOf(page)).find((entry) => entry.kind === 'connected');
    expect(connected?.detail).toMatchObject({
      tenantId: 'org_demo',
      userId: 'user_demo',
      connectionId: expect.stringMatching(/^con_/),
    });
    await context.close();
  });

  it('falls back to redirect mode when the popup is blocked, and onInstall receives the installation back on the page', async () => {
    const context = await browser.newContext();
    // A blocker that makes window.open return null, on every page of this context.
    await context.addInitScript(() => {
      window.open = () => null;
    });
    const page = await openExample(context);
    await Promise.all([page.waitForURL((url) => !url.href.startsWith(exampleUrl)), page.click('#install')]);
    await completeAtEmulator(page, SEED.contoso.admin.upn, 'installation');
    // The last callback sends the page back to the example, the result in the query.
    await Promise.all([page.waitForURL((url) => url.href.startsWith(exampleUrl)), page.click('#approve')]);
    await page.waitForSelector('#log li[data-kind="installed"]');
    const [installed] = await logOf(page);
    expect(installed?.detail).toMatchObject({
      provider: 'microsoft-onedrive',
      tenantId: 'org_demo',
      installationId: expect.stringMatching(/^ins_/),
    });
    expect(await db.prisma.installation.count({ where: { id: installed.detail.installationId as string } })).toBe(1);
    const session = await db.prisma.connectSession.findFirstOrThrow({
      where: { credentialFor: 'installation' },
      orderBy: { createdAt: 'desc' },
    });
    expect(session.mode).toBe('redirect');
    expect(session.consumedAt).not.toBeNull();
    // The result was taken out of the address bar (a reload reports nothing twice).
    expect(new URL(page.url()).search).toBe('');
    await context.close();
  });

  it('reports window_closed when the person closes the popup', async () => {
    const context = await browser.newContext();
    const page = await openExample(context);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')]);
    await popup.waitForSelector('#login, :is(a, button):has-text("Continue to Microsoft")');
    await popup.close();
    await page.waitForSelector('#log li[data-kind="error"]');
    const [entry] = await logOf(page);
    expect(entry?.detail).toMatchObject({ code: 'window_closed' });
    expect(await page.isDisabled('#connect')).toBe(false);
    // Nothing was stored: the abandoned attempt's session is still unused.
    const latest = await db.prisma.connectSession.findFirstOrThrow({
      where: { credentialFor: 'user' },
      orderBy: { createdAt: 'desc' },
    });
    expect(latest).toMatchObject({ mode: 'popup', consumedAt: null });
    await context.close();
  });
});
