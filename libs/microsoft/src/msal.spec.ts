import { describe, expect, it } from 'vitest';
import { HttpClient } from './http';
import { MicrosoftAuth } from './msal';
import { MsalClientFactory, isFalseMsalWarning, redactMsalLog } from './msal-client';
import { createPkcePair, pkceChallenge } from './pkce';

const app = {
  clientId: 'de30a000-0000-4000-8000-00000000a991',
  cloud: { name: 'usgov-l5' as const },
  credential: { clientSecret: 'unit-test-secret' },
};

function auth(): MicrosoftAuth {
  return new MicrosoftAuth(new MsalClientFactory({ http: new HttpClient() }));
}

describe(MicrosoftAuth.name, () => {
  describe('adminConsentUrl', () => {
    it("builds /{tenant}/v2.0/adminconsent on the app's cloud", () => {
      const url = new URL(
        auth().adminConsentUrl({
          app,
          tenant: 'organizations',
          redirectUri: 'https://vault.example/oauth/admin-consent/callback',
          state: 'state-0123456789abcdef',
          scope: 'https://dod-graph.microsoft.us/.default',
        }),
      );
      expect(url.origin + url.pathname).toBe('https://login.microsoftonline.us/organizations/v2.0/adminconsent');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        client_id: app.clientId,
        scope: 'https://dod-graph.microsoft.us/.default',
        redirect_uri: 'https://vault.example/oauth/admin-consent/callback',
        state: 'state-0123456789abcdef',
      });
    });

    it('refuses common and consumers', () => {
      for (const tenant of ['common', 'consumers']) {
        expect(() =>
          auth().adminConsentUrl({
            app,
            tenant,
            redirectUri: 'https://vault.example/cb',
            state: 'state-0123456789abcdef',
            scope: 'x/.default',
          }),
        ).toThrow(/never common/);
      }
    });
  });

  describe('buildAuthCodeUrl', () => {
    it('refuses a PKCE challenge that is not S256-shaped before any network call', async () => {
      await expect(
        auth().buildAuthCodeUrl({
          app,
          authority: 'organizations',
          redirectUri: 'https://vault.example/cb',
          scopes: ['User.Read'],
          state: 'state-0123456789abcdef',
          codeChallenge: 'short',
          nonce: 'nonce-0123456789abcdef',
        }),
      ).rejects.toThrow();
    });
  });
});

describe(createPkcePair.name, () => {
  it('makes a 43-character verifier whose challenge is the base64url SHA-256 of it', async () => {
    const digest = Buffer.from(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode('a-known-verifier')),
    ).toString('base64url');
    expect(pkceChallenge('a-known-verifier')).toBe(digest);
    const pair = createPkcePair();
    expect(pair.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.codeChallenge).toBe(pkceChallenge(pair.codeVerifier));
  });
});

describe(redactMsalLog.name, () => {
  it("drops Microsoft's description and anything shaped like a JWT", () => {
    const line =
      'Error(s): 50173 - Timestamp: t - Description: AADSTS50173: grant of adele@contoso.com revoked - Correlation ID: c eyJhbGciOi.eyJzdWIi.sig';
    const redacted = redactMsalLog(line);
    expect(redacted).not.toContain('adele@contoso.com');
    expect(redacted).not.toContain('eyJhbGciOi');
    expect(redacted).toContain('50173');
  });
});

describe(isFalseMsalWarning.name, () => {
  it("drops only msal's client-info warning, which every app-only token response triggers", () => {
    const line = (text: string) =>
      `[Mon, 30 Nov 2026 11:00:00 GMT] : [c0ffee] : @azure/msal-common@16.0.0 : Warning - ${text}`;
    expect(isFalseMsalWarning(line('No client info in response'))).toBe(true);
    expect(isFalseMsalWarning(line('No client info in response but something else'))).toBe(false);
    expect(isFalseMsalWarning(line('Throttling: Response status is 429'))).toBe(false);
  });
});
