import 'reflect-metadata';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { registerSandboxExample, SANDBOX_EXAMPLE_PATH } from '../../apps/vault/src/sandbox/sandbox-example';
import { launchChromium } from '@test/support/chromium';
import { startSandboxVault, type SandboxVault } from '@test/support/sandbox-vault';

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
  let vault: SandboxVault;
  let db: SandboxVault['db'];
  let sandbox: SandboxVault['sandbox'];
  let browser: Browser;
  let exampleUrl: string;

  beforeAll(async () => {
    // As main.ts wires it in sandbox mode, with the example page's routes.
    vault = await startSandboxVault({ name: 'authpipe-react-', extraRoutes: registerSandboxExample });
    ({ db, sandbox } = vault);
    exampleUrl = `${vault.vaultUrl}${SANDBOX_EXAMPLE_PATH}`;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await vault?.close();
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
