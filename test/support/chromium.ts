import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where the browser tests look for Chromium: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(env: Record<string, string | undefined> = process.env): string {
  return env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/**
 * Debian's Chromium, headless (`apt-get install -y chromium`): playwright cannot download its own
 * browser without internet access, and without the background-networking, QUIC and sync flags
 * Chromium keeps trying to reach Google's hosts through a closed network.
 */
export async function launchChromium(env: Record<string, string | undefined> = process.env): Promise<Browser> {
  const executablePath = chromiumPath(env);
  if (!existsSync(executablePath)) {
    throw new Error(
      `The browser tests need Chromium at ${executablePath}, which does not exist: install it ` +
        '(apt-get install -y chromium, which puts it at /usr/bin/chromium) or set CHROMIUM_PATH to a Chromium ' +
        'or Chrome binary.',
    );
  }
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
