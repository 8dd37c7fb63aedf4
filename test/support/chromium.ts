import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, as these machines run it (ENVIRONMENT.md): playwright cannot
 * download its own browser here, and without the background-networking flags Chromium keeps
 * trying to reach Google's hosts through a closed network.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
