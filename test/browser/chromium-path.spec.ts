import path from 'node:path';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '@test/support/chromium';

describe(launchChromium.name, () => {
  it('uses CHROMIUM_PATH when set, else Debian /usr/bin/chromium', () => {
    expect(chromiumPath({})).toBe('/usr/bin/chromium');
    expect(chromiumPath({ CHROMIUM_PATH: '/opt/chrome/chrome' })).toBe('/opt/chrome/chrome');
  });

  it('names what it needs when the browser is missing', async () => {
    const missing = path.join(os.tmpdir(), 'authpipe-no-such-chromium');
    const failure = launchChromium({ CHROMIUM_PATH: missing });
    await expect(failure).rejects.toThrow(missing);
    await expect(failure).rejects.toThrow(/apt-get install -y chromium/);
    await expect(failure).rejects.toThrow(/CHROMIUM_PATH/);
  });
});
