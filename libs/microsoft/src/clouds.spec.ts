import { describe, expect, it } from 'vitest';
import { MICROSOFT_CLOUD_HOSTS, resolveCloud } from './clouds';

describe(resolveCloud.name, () => {
  it.each([
    ['global', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'],
    ['usgov-l4', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'],
    ['usgov-l5', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'],
    ['china', 'https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn'],
  ] as const)('resolves %s to its login and Graph endpoints', (name, loginUrl, graphUrl) => {
    const cloud = resolveCloud({ name });
    expect(cloud).toMatchObject({
      loginUrl,
      graphUrl,
      graphResource: graphUrl,
      graphDefaultScope: `${graphUrl}/.default`,
      graphApiUrl: `${graphUrl}/v1.0`,
      knownAuthorities: [],
    });
  });

  it('resolves custom endpoints with the login host as a known authority and global Graph as the default audience', () => {
    const cloud = resolveCloud({
      name: 'custom',
      loginUrl: 'https://127.0.0.1:4443/',
      graphUrl: 'https://127.0.0.1:4443',
    });
    expect(cloud).toMatchObject({
      loginUrl: 'https://127.0.0.1:4443',
      loginHost: '127.0.0.1:4443',
      graphApiUrl: 'https://127.0.0.1:4443/v1.0',
      graphDefaultScope: 'https://graph.microsoft.com/.default',
      knownAuthorities: ['127.0.0.1:4443'],
    });
  });

  it('refuses custom endpoints over plain http', () => {
    expect(() =>
      resolveCloud({ name: 'custom', loginUrl: 'http://127.0.0.1:4443', graphUrl: 'https://127.0.0.1:4443' }),
    ).toThrow();
  });

  it('shares one frozen resolution between equal configurations and still validates every other', () => {
    const config = { name: 'custom', loginUrl: 'https://127.0.0.1:4443', graphUrl: 'https://127.0.0.1:4443' } as const;
    const cloud = resolveCloud(config);
    expect(resolveCloud({ ...config })).toBe(cloud);
    expect(Object.isFrozen(cloud)).toBe(true);
    expect(Object.isFrozen(cloud.knownAuthorities)).toBe(true);
    expect(resolveCloud({ ...config, graphResource: 'https://graph.microsoft.us' }).graphResource).toBe(
      'https://graph.microsoft.us',
    );
    expect(() => resolveCloud({ ...config, graphUrl: 'http://127.0.0.1:4443' })).toThrow();
    expect(() => resolveCloud({ name: 'mars' } as never)).toThrow();
  });

  it('lists each national host once', () => {
    expect(MICROSOFT_CLOUD_HOSTS).toHaveLength(new Set(MICROSOFT_CLOUD_HOSTS).size);
    expect(MICROSOFT_CLOUD_HOSTS).toContain('dod-graph.microsoft.us');
  });
});
