import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyFailure } from './errors';
import { GraphClient, GraphError, type GraphAuth } from './graph';
import { MicrosoftAuth } from './msal';
import {
  SEED,
  signInWithCode,
  demoAppWithSecret,
  emulatorHttp,
  factoryFor,
  useEmulatorSuite,
} from '../test/emulator-harness';

describe(GraphClient.name, () => {
  const t = useEmulatorSuite();
  let graph: GraphClient;
  let appOnly: GraphAuth;
  let delegated: GraphAuth;
  const site = SEED.contoso.marketingSite;

  beforeAll(async () => {
    // Tokens for the whole block, through a client of their own (the per-test one does not exist yet).
    const setupHttp = emulatorHttp(t.emulator);
    const auth = new MicrosoftAuth(factoryFor(setupHttp));
    const cloud = t.cloud;
    const app = demoAppWithSecret(cloud);
    const appToken = await auth.acquireAppToken({
      app,
      tenantId: SEED.contoso.tenantId,
      scopes: ['https://graph.microsoft.com/.default'],
    });
    appOnly = { cloud, accessToken: appToken.accessToken };
    const scopes = ['User.Read', 'Files.ReadWrite.All', 'Sites.ReadWrite.All', 'offline_access'];
    const signIn = await signInWithCode(auth, setupHttp, {
      app,
      authority: 'organizations',
      scopes,
      upn: SEED.contoso.adele.upn,
    });
    const tokens = await signIn.redeem();
    delegated = { cloud, accessToken: tokens.accessToken };
    await setupHttp.close();
  });
  beforeEach(() => {
    graph = new GraphClient(t.http);
  });

  it('getMe returns the signed-in user', async () => {
    const me = await graph.getMe(delegated);
    expect(me).toMatchObject({ id: SEED.contoso.adele.id, userPrincipalName: SEED.contoso.adele.upn });
  });

  it("getUserDrive returns a user's OneDrive with an app-only token", async () => {
    const drive = await graph.getUserDrive(appOnly, SEED.contoso.alex.upn);
    expect(drive.driveType).toBe('business');
    const again = await graph.getDrive(appOnly, drive.id);
    expect(again.id).toBe(drive.id);
  });

  it('getSiteByUrl resolves a site URL, and getSiteDrive its document library', async () => {
    const found = await graph.getSiteByUrl(appOnly, `https://${site.hostname}${site.serverRelativePath}`);
    expect(found.id).toBe(site.id);
    const drive = await graph.getSiteDrive(appOnly, found.id);
    expect(drive).toMatchObject({ id: site.driveId, driveType: 'documentLibrary' });
  });

  it('throws a GraphError with code and status for a site that does not exist', async () => {
    const failure = await graph
      .getSiteByUrl(appOnly, `https://${site.hostname}/sites/DoesNotExist`)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GraphError);
    expect(failure).toMatchObject({ status: 404, graphCode: 'itemNotFound' });
  });

  it('throws InvalidAuthenticationToken for a bad token, classified needs_reauth, without the token in the message', async () => {
    const bad = { ...appOnly, accessToken: `${appOnly.accessToken.slice(0, -4)}AAAA` };
    const failure = await graph.getMe(bad).catch((e: unknown) => e);
    expect(failure).toMatchObject({ status: 401, graphCode: 'InvalidAuthenticationToken' });
    expect((failure as Error).message).not.toContain(bad.accessToken);
    expect(classifyFailure(failure)).toMatchObject({
      kind: 'needs_reauth',
      error: 'InvalidAuthenticationToken',
      httpStatus: 401,
    });
  });
});
