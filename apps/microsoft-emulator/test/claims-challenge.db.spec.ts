import { InteractionRequiredAuthError } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { customAuthorityApp } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';
import { cachedRefreshToken, control, failureOf, forcedRefresh, signInWithMsal } from './support/msal-sign-in';

const C = SEED.contoso;

// https://learn.microsoft.com/en-us/entra/identity-platform/claims-challenge
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-conditional-access-dev-guide
describe('Conditional Access claims challenges through msal-node', () => {
  const t = useTestEmulator({ resetBeforeEach: true });
  const cp1App = () => customAuthorityApp(t, { clientCapabilities: ['cp1'] });

  async function challengeFor(userIds: string[] | 'all'): Promise<{ id: string; claims: string }> {
    const res = await control(t, '/conditional-access/policies', 'POST', {
      tenantId: C.tenantId,
      users: userIds,
      control: { kind: 'claimsChallenge' },
    });
    expect(res.status).toBe(201);
    return JSON.parse(res.body) as { id: string; claims: string };
  }

  it('answers a cp1 client’s refresh with interaction_required, AADSTS50076 and claims naming the policy', async () => {
    const app = cp1App();
    const { account } = await signInWithMsal(t, app, C.adele.upn);
    const policy = await challengeFor([C.adele.id]);
    const error = await failureOf(forcedRefresh(app, account!));
    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect(error.errorCode).toBe('interaction_required');
    expect(error.errorNo).toBe(50076);
    // The token endpoint sends the claims request as JSON text (only a resource's WWW-Authenticate base64-encodes it).
    expect(JSON.parse(error.claims ?? '')).toEqual({
      access_token: { polids: { essential: true, Values: [policy.id] } },
    });
    expect(error.claims).toBe(policy.claims);
    expect((error as InteractionRequiredAuthError).traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.errorMessage).toMatch(/Correlation ID: [0-9a-f-]{36}\r?\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);
  });

  it('leaves users the policy is not assigned to alone', async () => {
    const app = cp1App();
    const { account } = await signInWithMsal(t, app, C.alex.upn);
    await challengeFor([C.adele.id]);
    await expect(forcedRefresh(app, account!)).resolves.toMatchObject({ fromCache: false });
  });

  it('sends no claims to a client without cp1; its ordinary interactive sign-in satisfies the policy', async () => {
    const app = customAuthorityApp(t);
    const { account } = await signInWithMsal(t, app, C.adele.upn);
    const policy = await challengeFor('all');
    const error = await failureOf(forcedRefresh(app, account!));
    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect(error.errorNo).toBe(50076);
    expect(error.claims).toBe('');
    const again = await signInWithMsal(t, app, C.adele.upn);
    expect(again.result?.accessToken).toBeTruthy();
    await expect(forcedRefresh(app, again.account!)).resolves.toMatchObject({ fromCache: false });
    const listed = JSON.parse((await control(t, '/conditional-access/policies', 'GET')).body) as {
      value: { id: string; satisfiedBy: string[] }[];
    };
    expect(listed.value.find((p) => p.id === policy.id)?.satisfiedBy).toEqual([C.adele.id]);
  });

  it('keeps challenging a cp1 client whose sign-in drops the claims, and clears once the sign-in carries them', async () => {
    const app = cp1App();
    const { account } = await signInWithMsal(t, app, C.adele.upn);
    const policy = await challengeFor([C.adele.id]);
    const challenge = (await failureOf(forcedRefresh(app, account!))).claims as string;

    // A re-auth link without the claims: the sign-in page lets the user through, but the code
    // redemption meets the same challenge, so the lost claims are caught.
    const dropped = await failureOf(signInWithMsal(t, app, C.adele.upn));
    expect(dropped.errorNo).toBe(50076);
    expect(dropped.claims).toBe(challenge);

    const answered = await signInWithMsal(t, app, C.adele.upn, { claims: challenge });
    expect(answered.result?.account?.homeAccountId).toBe(`${C.adele.id}.${C.tenantId}`);
    await expect(forcedRefresh(app, answered.account!)).resolves.toMatchObject({ fromCache: false });
    // The older refresh token works again too: the challenge is satisfied for the user, not per token.
    await expect(forcedRefresh(app, account!)).resolves.toMatchObject({ fromCache: false });
    const listed = JSON.parse((await control(t, '/conditional-access/policies', 'GET')).body) as {
      value: { id: string; satisfiedBy: string[] }[];
    };
    expect(listed.value.find((p) => p.id === policy.id)?.satisfiedBy).toEqual([C.adele.id]);
  });

  it('puts the claims and the cp1 capability on the authorize request msal builds', async () => {
    const policy = await challengeFor([C.adele.id]);
    const url = new URL(
      await cp1App().getAuthCodeUrl({
        scopes: ['Files.ReadWrite.All'],
        redirectUri: 'http://localhost:3000/oauth/callback',
        claims: policy.claims,
      }),
    );
    const claims = JSON.parse(url.searchParams.get('claims') ?? '{}') as {
      access_token: { xms_cc: { values: string[] }; polids: { Values: string[] } };
    };
    expect(claims.access_token.xms_cc.values).toEqual(['cp1']);
    expect(claims.access_token.polids.Values).toEqual([policy.id]);
  });

  it('refuses a claims parameter that is not a JSON object with AADSTS90014', async () => {
    const app = cp1App();
    await signInWithMsal(t, app, C.adele.upn);
    const res = await t.http.send(`${t.emulator.baseUrl}/${C.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: SEED.demoApp.clientId,
        client_secret: SEED.demoApp.secretValue,
        refresh_token: cachedRefreshToken(app),
        claims: '{"access_token":',
      }).toString(),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request', error_codes: [90014] });
  });
});
