import { describe, expect, it } from 'vitest';
import { ControllableClock } from '../../clock/controllable-clock';
import { DOWNLOAD_PATH, DOWNLOAD_URL_LIFETIME_MS, DownloadLinks } from './download-links';

const grant = { tenantId: 't1', driveId: 'b!d1', itemId: '01ITEM' };

function paramsOf(url: string): { uniqueId: string | undefined; tempauth: string | undefined } {
  const parsed = new URL(url);
  return {
    uniqueId: parsed.searchParams.get('UniqueId') ?? undefined,
    tempauth: parsed.searchParams.get('tempauth') ?? undefined,
  };
}

describe(DownloadLinks.name, () => {
  const fixedStart = () => new Date('2026-11-22T10:00:00Z');

  it('issues a URL on the given origin that grants exactly the item', () => {
    const links = new DownloadLinks(new ControllableClock(fixedStart));
    const url = links.issue('https://127.0.0.1:4443', grant);
    expect(url.startsWith(`https://127.0.0.1:4443${DOWNLOAD_PATH}?`)).toBe(true);
    const { uniqueId, tempauth } = paramsOf(url);
    expect(links.verify(uniqueId, tempauth)).toEqual(grant);
  });

  it('refuses the URL once its lifetime has passed on the emulator clock', () => {
    const clock = new ControllableClock(fixedStart);
    const links = new DownloadLinks(clock);
    const { uniqueId, tempauth } = paramsOf(links.issue('http://x', grant));
    clock.advance(DOWNLOAD_URL_LIFETIME_MS - 1);
    expect(links.verify(uniqueId, tempauth)).toEqual(grant);
    clock.advance(1);
    expect(links.verify(uniqueId, tempauth)).toBe('expired');
  });

  it('refuses a tempauth from another emulator process or with a tampered payload', () => {
    const clock = new ControllableClock(fixedStart);
    const { uniqueId, tempauth } = paramsOf(new DownloadLinks(clock).issue('http://x', grant));
    expect(new DownloadLinks(clock).verify(uniqueId, tempauth)).toBe('malformed');
    const links = new DownloadLinks(clock);
    const own = paramsOf(links.issue('http://x', grant));
    const [, signature] = (own.tempauth ?? '').split('.');
    const forged = Buffer.from(JSON.stringify({ tid: 't2', did: 'b!d1', iid: '01ITEM', exp: 9e15 })).toString(
      'base64url',
    );
    expect(links.verify(own.uniqueId, `${forged}.${signature}`)).toBe('malformed');
  });

  it('refuses a tempauth presented for another item id', () => {
    const links = new DownloadLinks(new ControllableClock(fixedStart));
    const { tempauth } = paramsOf(links.issue('http://x', grant));
    expect(links.verify('01OTHER', tempauth)).toBe('mismatch');
    expect(links.verify(undefined, tempauth)).toBe('malformed');
  });
});
