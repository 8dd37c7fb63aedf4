import { describe, expect, it } from 'vitest';
import { SEED } from '../../../microsoft-emulator/src/directory/seed';
import { demoAccounts, demoSiteUrl, landingPage, type LandingInfo } from './sandbox-landing';

const info: LandingInfo = {
  baseUrl: 'http://127.0.0.1:3000',
  sandboxFile: '/srv/authpipe/sandbox.json',
  examplePath: '/sandbox/example',
  exampleTenant: 'org_demo',
  exampleUser: 'user_demo',
};

describe('sandbox landing page', () => {
  it('names the admin, the users, the personal account and the SharePoint site of the seed', () => {
    const html = landingPage(info);
    for (const account of demoAccounts()) expect(html).toContain(account.upn);
    const admin = demoAccounts().find((a) => a.upn === SEED.contoso.admin.upn);
    expect(admin?.role).toMatch(/administrator/);
    expect(demoAccounts().some((a) => a.upn === SEED.consumers.megan.upn && /personal/.test(a.role))).toBe(true);
    expect(html).toContain(demoSiteUrl());
    expect(demoSiteUrl()).toBe(`https://${SEED.contoso.marketingSite.hostname}/sites/Marketing`);
  });

  it('links the React example and the API reference, and shows how to get a token by curl and the SDK', () => {
    const html = landingPage(info);
    expect(html).toContain('href="/sandbox/example"');
    expect(html).toContain('href="/docs"');
    expect(html).toContain(
      'http://127.0.0.1:3000/v1/credentials/microsoft-onedrive?tenantId=org_demo&#38;userId=user_demo&#38;credentialFor=user',
    );
    expect(html).toContain('authpipe.getCredential');
    expect(html).toContain('/srv/authpipe/sandbox.json');
  });

  it('escapes what it prints and carries no script or inline style', () => {
    const html = landingPage({ ...info, sandboxFile: `/tmp/<script>"x"` });
    expect(html).not.toContain('<script>"x"');
    expect(html).not.toMatch(/<script|<style|style=/);
  });
});
