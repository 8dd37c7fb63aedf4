import { describe, expect, it } from 'vitest';
import { homePage } from './home.page';

describe('homePage', () => {
  it('links the control API only when the instance serves it', () => {
    expect(homePage({ controlApi: true })).toContain('href="/_emulator/directory"');
    const off = homePage({ controlApi: false });
    expect(off).not.toContain('href="/_emulator');
    expect(off).toContain('is off in this instance');
  });

  it('has no script', () => {
    expect(homePage({ controlApi: true })).not.toMatch(/<script/i);
  });
});
