import 'reflect-metadata';
import fs from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '@test/support/chromium';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { startSandboxVault, type SandboxVault } from '@test/support/sandbox-vault';

/** A page of "the application": opens the connect URL in a popup and records every message it receives. */
async function servePage(): Promise<{ origin: string; server: Server }> {
  const html = `<!doctype html><html><body><button id="open">Connect OneDrive</button><script>
window.results = [];
window.addEventListener('message', function (e) { window.results.push({ origin: e.origin, data: e.data }); });
var opened = 0;
document.getElementById('open').addEventListener('click', function () {
  // A new window per click, as a retried or double-clicked popup would be.
  window.open(new URLSearchParams(location.search).get('connect'), 'authpipe' + opened++, 'width=520,height=640');
});
</script></body></html>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

declare global {
  interface Window {
    results: { origin: string; data: Record<string, unknown> }[];
  }
}

// Browser steps on a loaded 2-core machine can take tens of seconds each: a generous budget per
// test, while each playwright step keeps its own 30 s limit and names the step that hung.
describe('sandbox install and connect in headless Chromium (popup mode)', { timeout: 120_000 }, () => {
  let vault: SandboxVault;
  let dataDir: string;
  let db: SandboxVault['db'];
  let app: SandboxVault['app'];
  let sandbox: SandboxVault['sandbox'];
  let browser: Browser;
  let allowedPage: { origin: string; server: Server };
  let strangerPage: { origin: string; server: Server };
  let vaultUrl: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    vault = await startSandboxVault({
      logDestination: new Writable({
        write: (chunk: Buffer, _e, done) => {
          logLines.push(chunk.toString('utf8'));
          done();
        },
      }),
    });
    ({ dataDir, db, app, sandbox, vaultUrl } = vault);
    [allowedPage, strangerPage] = await Promise.all([servePage(), servePage()]);
    const key = { Authorization: `Bearer ${sandbox.file.secretKey}` };
    const apps = await request(app.getHttpServer()).get('/v1/apps').set(key).expect(200);
    await request(app.getHttpServer())
      .patch(`/v1/apps/${apps.body.data[0].id}`)
      .set(key)
      .send({ allowedOrigins: [vaultUrl, allowedPage.origin] })
      .expect(200);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    allowedPage?.server.close();
    strangerPage?.server.close();
    await vault?.close();
  });

  async function sessionUrl(body: Record<string, unknown>): Promise<string> {
    const res = await request(app.getHttpServer())
      .post('/v1/connect-sessions')
      .set({ Authorization: `Bearer ${sandbox.file.secretKey}` })
      .send({ provider: 'microsoft-onedrive', mode: 'popup', ...body })
      .expect(201);
    return res.body.url as string;
  }

  /**
   * Opens the popup from the page, continues past the start page (what is being connected), signs
   * in as `upn` on the emulator page and, for an installation, approves the admin consent page
   * that follows; then waits for the popup to close itself. Returns what the popup's console said.
   */
  async function clickThrough(
    page: Page,
    pageOrigin: string,
    connectUrl: string,
    upn: string,
    kind: 'installation' | 'user',
  ): Promise<string[]> {
    await page.goto(`${pageOrigin}/?connect=${encodeURIComponent(connectUrl)}`, { waitUntil: 'domcontentloaded' });
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#open')]);
    const consoleLines: string[] = [];
    popup.on('console', (message) => consoleLines.push(message.text()));
    await Promise.all([
      popup.waitForURL(/\/connect\/microsoft-onedrive\/continue|\/authorize\?/),
      popup.click('text=Continue to Microsoft'),
    ]);
    await popup.waitForSelector('#login');
    await popup.selectOption('#login', upn);
    if (kind === 'installation') {
      // The admin signed in; the vault sends the popup on to that directory's admin consent.
      await Promise.all([popup.waitForURL(/\/v2\.0\/adminconsent\?/), popup.click('#approve')]);
      await popup.waitForSelector('#login');
      await popup.selectOption('#login', upn);
    }
    await Promise.all([popup.waitForEvent('close'), popup.click('#approve')]);
    return consoleLines;
  }

  it('installs into the demo directory, then connects a user, each result posted to the allowed opener', async () => {
    const sandboxJson = JSON.parse(await fs.readFile(path.join(dataDir, 'sandbox.json'), 'utf8'));
    expect(sandboxJson).toMatchObject({
      projectId: sandbox.file.projectId,
      baseUrl: vaultUrl,
      emulatorUrl: sandbox.emulator.httpBaseUrl,
    });
    expect((await fs.stat(path.join(dataDir, 'sandbox.json'))).mode & 0o777).toBe(0o600);

    const context = await browser.newContext();
    const page = await context.newPage();
    await clickThrough(
      page,
      allowedPage.origin,
      await sessionUrl({ tenantId: 'org_demo', credentialFor: 'installation' }),
      SEED.contoso.admin.upn,
      'installation',
    );
    const installed = await page.evaluate(() => window.results);
    expect(installed).toHaveLength(1);
    expect(installed[0].origin).toBe(vaultUrl);
    expect(installed[0].data).toMatchObject({
      status: 'success',
      provider: 'microsoft-onedrive',
      tenantId: 'org_demo',
      installationId: expect.stringMatching(/^ins_/),
    });

    await clickThrough(
      page,
      allowedPage.origin,
      await sessionUrl({ tenantId: 'org_demo', credentialFor: 'user', userId: 'user_42' }),
      SEED.contoso.adele.upn,
      'user',
    );
    const results = await page.evaluate(() => window.results);
    // The page was loaded afresh for the second flow, so it holds only the connection's result.
    expect(results).toHaveLength(1);
    expect(results[0].data).toMatchObject({
      status: 'success',
      tenantId: 'org_demo',
      userId: 'user_42',
      connectionId: expect.stringMatching(/^con_/),
    });
    const connection = await db.prisma.connection.findUniqueOrThrow({
      where: { id: results[0].data.connectionId as string },
    });
    expect(connection.installationId).toBe(installed[0].data.installationId);
    await context.close();
  });

  it('a retried popup: the newest window finishes, the older one says it was replaced and posts superseded', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const url = await sessionUrl({ tenantId: 'org_demo', credentialFor: 'user', userId: 'user_retry' });
    await page.goto(`${allowedPage.origin}/?connect=${encodeURIComponent(url)}`, { waitUntil: 'domcontentloaded' });
    const toMicrosoft = async () => {
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#open')]);
      await Promise.all([popup.waitForURL(/\/authorize\?/), popup.click('text=Continue to Microsoft')]);
      await popup.waitForSelector('#login');
      await popup.selectOption('#login', SEED.contoso.adele.upn);
      return popup;
    };
    const older = await toMicrosoft();
    const newer = await toMicrosoft();

    // The older window comes back first: set aside, it stays open and tells the person why.
    await Promise.all([older.waitForURL(/\/oauth\/callback\?/), older.click('#approve')]);
    await older.waitForSelector('text=This window was replaced by a newer one');
    await Promise.all([newer.waitForEvent('close'), newer.click('#approve')]);

    const results = await page.evaluate(() => window.results);
    expect(results.map((r) => r.data.status)).toEqual(['superseded', 'success']);
    expect(results[1].data).toMatchObject({ type: 'authpipe:flow-result', userId: 'user_retry' });
    expect(results[0].data.correlationId).toBe(results[1].data.correlationId);
    await context.close();
  });

  it('posts nothing to an opener whose origin the app does not allow, and says so: console, log and event', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLines = await clickThrough(
      page,
      strangerPage.origin,
      await sessionUrl({ tenantId: 'org_stranger', credentialFor: 'installation' }),
      // Another customer: Contoso is installed for org_demo, and a directory belongs to one tenant.
      SEED.fabrikam.admin.upn,
      'installation',
    );
    // The completion page posted (to the allowed origins only) and closed itself: nothing arrived here.
    expect(await page.evaluate(() => window.results)).toEqual([]);
    expect(await db.prisma.installation.count({ where: { tenant: { externalId: 'org_stranger' } } })).toBe(1);
    const warning = `Authpipe: this window was opened by ${strangerPage.origin}, which is not one of the app's allowed origins`;
    expect(consoleLines.some((line) => line.startsWith(warning))).toBe(true);
    const events = await db.prisma.event.findMany({ where: { type: 'connect_session.opener_not_allowed' } });
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ openerOrigin: strangerPage.origin });
    expect(logLines.join('\n')).toContain(strangerPage.origin);
    await context.close();
  });
});
