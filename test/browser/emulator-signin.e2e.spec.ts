import type { Browser } from 'playwright-core';
import { launchChromium } from '@test/support/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import {
  customAuthorityApp,
  pkce,
  startTestEmulator,
  type TestEmulator,
} from '../../apps/microsoft-emulator/test/support/emulator-fixture';

const REDIRECT = 'http://localhost:3000/oauth/callback';

// A generous budget per test on a loaded machine; each playwright step keeps its own 30 s limit.
describe('emulator sign-in page in headless Chromium', { timeout: 120_000 }, () => {
  let t: TestEmulator;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestEmulator();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('completes the sign-in and consent page and lands on the redirect URI with a code that msal-node redeems', async () => {
    // The browser does not know the emulator's local CA; the TLS itself is covered by the msal tests.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    // Nothing listens on the app's callback: answer it in the browser and keep the URL it was sent.
    const callback = new Promise<URL>((resolve) => {
      void page.route(`${REDIRECT}**`, async (route) => {
        resolve(new URL(route.request().url()));
        await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
      });
    });
    const app = customAuthorityApp(t);
    const { verifier, challenge } = pkce();
    const scopes = ['Files.ReadWrite.All', 'offline_access'];
    const url = await app.getAuthCodeUrl({
      scopes,
      redirectUri: REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state: 'browser-state',
    });

    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await expect(page.title()).resolves.toBe('Sign in to Authpipe Demo');
    await page.selectOption('#login', SEED.contoso.alex.upn);
    await expect(page.locator('li', { hasText: 'Files.ReadWrite.All' }).count()).resolves.toBe(1);
    await page.click('#approve');

    const landed = await callback;
    expect(landed.searchParams.get('state')).toBe('browser-state');
    const code = landed.searchParams.get('code') as string;
    expect(code.length).toBeGreaterThan(20);
    await expect(page.locator('body').textContent()).resolves.toContain('signed in');
    const result = await app.acquireTokenByCode({ code, codeVerifier: verifier, redirectUri: REDIRECT, scopes });
    expect(result.account?.username).toBe(SEED.contoso.alex.upn);
    await context.close();
  });
});
