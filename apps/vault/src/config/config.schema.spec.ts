import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig, withMicrosoft } from './config.schema';

const CERT = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe(loadConfig.name, () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authpipe-config-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('AUTHPIPE_MICROSOFT_ROUTES', () => {
    it('parses host=https://address pairs, lower-casing host names, into routes', () => {
      const config = loadConfig({
        AUTHPIPE_MICROSOFT_ROUTES:
          'Login.MicrosoftOnline.com=https://127.0.0.1:4443, graph.microsoft.com:443=https://proxy.internal',
      });
      expect(config.microsoft.routes).toEqual({
        'login.microsoftonline.com': 'https://127.0.0.1:4443',
        'graph.microsoft.com:443': 'https://proxy.internal',
      });
    });

    it('names every bad entry (not its value): missing "=", http target, bad host, repeated host', () => {
      const problems = problemsOf({
        AUTHPIPE_MICROSOFT_ROUTES:
          'login.microsoftonline.com,graph.microsoft.com=http://127.0.0.1:1,bad host=https://x.test,a.test=https://b.test,A.test=https://c.test',
      });
      expect(problems).toEqual([
        'AUTHPIPE_MICROSOFT_ROUTES: entry 1 must be host=https://address[:port]',
        'AUTHPIPE_MICROSOFT_ROUTES: entry 2 must route to an https:// URL',
        'AUTHPIPE_MICROSOFT_ROUTES: entry 3 must be host=https://address[:port]',
        'AUTHPIPE_MICROSOFT_ROUTES: entry 5 routes a host already routed',
      ]);
    });

    it('defaults to no routes, no extra CAs, no browser origins, no custom clouds and no private networks', () => {
      expect(loadConfig({}).microsoft).toEqual({
        caCertificates: [],
        routes: {},
        browserOrigins: {},
        customCloudOrigins: [],
        allowPrivateNetworks: [],
      });
    });
  });

  describe('AUTHPIPE_CUSTOM_CLOUD_ORIGINS', () => {
    it('parses https origins, normalising case, a trailing slash and the default port', () => {
      const config = loadConfig({
        AUTHPIPE_CUSTOM_CLOUD_ORIGINS:
          'https://Login.Sovereign.example/, https://graph.sovereign.example:8443,https://login.sovereign.example:443',
      });
      expect(config.microsoft.customCloudOrigins).toEqual([
        'https://login.sovereign.example',
        'https://graph.sovereign.example:8443',
      ]);
    });

    it('names every entry that is not exactly an https origin', () => {
      expect(
        problemsOf({
          AUTHPIPE_CUSTOM_CLOUD_ORIGINS:
            'http://a.example,https://b.example/path,https://user:pw@c.example,not a url,https://d.example?x',
        }),
      ).toEqual(
        [1, 2, 3, 4, 5].map(
          (n) => `AUTHPIPE_CUSTOM_CLOUD_ORIGINS: entry ${n} must be an origin such as https://host[:port]`,
        ),
      );
    });
  });

  describe('AUTHPIPE_ALLOW_PRIVATE_NETWORKS', () => {
    it('parses CIDR ranges and single addresses of both families', () => {
      expect(
        loadConfig({ AUTHPIPE_ALLOW_PRIVATE_NETWORKS: '10.20.0.0/16, 127.0.0.1,::1,fd00::/8' }).microsoft
          .allowPrivateNetworks,
      ).toEqual(['10.20.0.0/16', '127.0.0.1', '::1', 'fd00::/8']);
    });

    it('names every entry that is neither an address nor a CIDR range', () => {
      expect(problemsOf({ AUTHPIPE_ALLOW_PRIVATE_NETWORKS: 'localhost,10.0.0.0/8,10.0.0.0/40' })).toEqual([
        'AUTHPIPE_ALLOW_PRIVATE_NETWORKS: entry 1 must be an IP address or a CIDR range',
        'AUTHPIPE_ALLOW_PRIVATE_NETWORKS: entry 3 must be an IP address or a CIDR range',
      ]);
    });
  });

  describe('AUTHPIPE_MICROSOFT_CA_FILE', () => {
    it('reads every certificate of a PEM bundle, ignoring text between them', () => {
      const file = path.join(dir, 'bundle.pem');
      fs.writeFileSync(file, `# proxy CA\n${CERT('QUJD')}subject=x\n${CERT('REVG')}`);
      expect(loadConfig({ AUTHPIPE_MICROSOFT_CA_FILE: file }).microsoft.caCertificates).toEqual([
        CERT('QUJD').trim(),
        CERT('REVG').trim(),
      ]);
    });

    it('refuses a missing file and a file without certificates, listed with the other bad variables', () => {
      const empty = path.join(dir, 'empty.pem');
      fs.writeFileSync(empty, 'not a certificate');
      expect(problemsOf({ AUTHPIPE_MICROSOFT_CA_FILE: path.join(dir, 'absent.pem'), PORT: 'x' })).toEqual([
        'PORT: Invalid input: expected number, received NaN',
        'AUTHPIPE_MICROSOFT_CA_FILE: cannot read the CA bundle file',
      ]);
      expect(problemsOf({ AUTHPIPE_MICROSOFT_CA_FILE: empty })).toEqual([
        'AUTHPIPE_MICROSOFT_CA_FILE: the CA bundle file holds no PEM certificate',
      ]);
    });
  });
});

describe(withMicrosoft.name, () => {
  it('adds CAs, custom clouds and networks, merges routes and browser origins (the addition wins) and keeps the rest of the config', () => {
    const base = loadConfig({
      AUTHPIPE_MICROSOFT_ROUTES: 'a.test=https://one.test,b.test=https://two.test',
      AUTHPIPE_CUSTOM_CLOUD_ORIGINS: 'https://login.sovereign.example',
      AUTHPIPE_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/8',
    });
    const merged = withMicrosoft(
      { ...base, microsoft: { ...base.microsoft, caCertificates: ['ca1'] } },
      {
        caCertificates: ['ca2'],
        routes: { 'b.test': 'https://three.test' },
        browserOrigins: { 'https://e.test': 'http://e.test' },
        customCloudOrigins: ['https://127.0.0.1:4443', 'https://login.sovereign.example'],
        allowPrivateNetworks: ['127.0.0.1'],
      },
    );
    expect(merged.microsoft).toEqual({
      caCertificates: ['ca1', 'ca2'],
      routes: { 'a.test': 'https://one.test', 'b.test': 'https://three.test' },
      browserOrigins: { 'https://e.test': 'http://e.test' },
      customCloudOrigins: ['https://login.sovereign.example', 'https://127.0.0.1:4443'],
      allowPrivateNetworks: ['10.0.0.0/8', '127.0.0.1'],
      timeoutMs: undefined,
    });
    expect(merged.publicUrl).toBe(base.publicUrl);
    expect(withMicrosoft(base, undefined)).toBe(base);
  });

  describe('AUTHPIPE_KEY_JOB_BATCH_SIZE and AUTHPIPE_RETIRED_KEY_GRACE_MS', () => {
    it('default to batches of 500 and a grace of twice the DEK cache TTL', () => {
      expect(loadConfig({}).keyJobs).toEqual({ batchSize: 500, retiredKeyGraceMs: 10 * 60_000 });
      expect(loadConfig({ AUTHPIPE_DEK_CACHE_TTL_MS: '30000' }).keyJobs.retiredKeyGraceMs).toBe(60_000);
    });

    it('take the configured values, a grace of 0 included', () => {
      expect(loadConfig({ AUTHPIPE_KEY_JOB_BATCH_SIZE: '3', AUTHPIPE_RETIRED_KEY_GRACE_MS: '0' }).keyJobs).toEqual({
        batchSize: 3,
        retiredKeyGraceMs: 0,
      });
    });

    it('refuse a batch size below 1 and a negative or fractional grace, naming each variable', () => {
      const problems = problemsOf({ AUTHPIPE_KEY_JOB_BATCH_SIZE: '0', AUTHPIPE_RETIRED_KEY_GRACE_MS: '-1' });
      expect(problems.map((p) => p.split(':')[0])).toEqual([
        'AUTHPIPE_KEY_JOB_BATCH_SIZE',
        'AUTHPIPE_RETIRED_KEY_GRACE_MS',
      ]);
      expect(problemsOf({ AUTHPIPE_RETIRED_KEY_GRACE_MS: '1.5' })[0]).toMatch(/^AUTHPIPE_RETIRED_KEY_GRACE_MS: /);
    });
  });
});

describe('webhook and retention settings', () => {
  it('default to no private networks, 24-hour retries and overlap, and 30/30/365/90 days of retention', () => {
    const config = loadConfig({});
    expect(config.webhooks).toEqual({
      caCertificates: [],
      allowPrivateNetworks: [],
      timeoutMs: 10_000,
      retryWindowMs: 86_400_000,
      secretOverlapMs: 86_400_000,
    });
    expect(config.retention).toEqual({ eventsDays: 30, deliveriesDays: 30, historyDays: 365, resolvedIssuesDays: 90 });
    expect(config.refreshedEventWindowMs).toBe(3_600_000);
  });

  it('keep webhook networks apart from Microsoft ones, and name every bad value', () => {
    const config = loadConfig({ AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/8,127.0.0.1' });
    expect(config.webhooks.allowPrivateNetworks).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.microsoft.allowPrivateNetworks).toEqual([]);
    const problems = problemsOf({
      AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'intranet',
      AUTHPIPE_WEBHOOK_TIMEOUT_MS: '120000',
      AUTHPIPE_RETENTION_EVENTS_DAYS: '0',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AUTHPIPE_RETENTION_EVENTS_DAYS',
      'AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS',
      'AUTHPIPE_WEBHOOK_TIMEOUT_MS',
    ]);
  });
});

describe('health probe settings', () => {
  it('default to a daily probe with 4 at once, accept 0 (off), and refuse a negative interval', () => {
    expect(loadConfig({}).healthProbes).toEqual({ intervalMs: 86_400_000, concurrency: 4 });
    expect(
      loadConfig({ AUTHPIPE_HEALTH_PROBE_INTERVAL_MS: '0', AUTHPIPE_HEALTH_PROBE_CONCURRENCY: '2' }).healthProbes,
    ).toEqual({ intervalMs: 0, concurrency: 2 });
    expect(problemsOf({ AUTHPIPE_HEALTH_PROBE_INTERVAL_MS: '-1' }).join('\n')).toContain(
      'AUTHPIPE_HEALTH_PROBE_INTERVAL_MS',
    );
  });
});
