import { describe, expect, it } from 'vitest';
import { readFlowMessage, readRedirectResult } from './flow-message';

const v1 = {
  type: 'authpipe:flow-result',
  version: 1,
  correlationId: 'cs_1',
  provider: 'microsoft-onedrive',
  credentialFor: 'user',
  tenantId: 'org_acme',
  userId: 'user_1',
};

describe('readFlowMessage', () => {
  it("reads today's completion-page message", () => {
    expect(
      readFlowMessage({
        status: 'success',
        provider: 'microsoft-onedrive',
        tenantId: 'org_acme',
        installationId: 'ins_1',
      }),
    ).toEqual({ status: 'success', provider: 'microsoft-onedrive', tenantId: 'org_acme', installationId: 'ins_1' });
    expect(
      readFlowMessage({
        status: 'error',
        provider: 'microsoft-onedrive',
        tenantId: 'org_acme',
        error: { code: 'access_denied', message: 'Denied.', remediation: 'Ask again.', aadsts: 65004 },
      })?.error,
    ).toEqual({ code: 'access_denied', message: 'Denied.', remediation: 'Ask again.', aadsts: 65004 });
  });

  it('reads protocol v1 messages with their correlation id, account and the superseded status', () => {
    expect(readFlowMessage({ ...v1, status: 'success', connectionId: 'con_1', account: { upn: 'a@b.test' } })).toEqual({
      status: 'success',
      provider: 'microsoft-onedrive',
      tenantId: 'org_acme',
      userId: 'user_1',
      connectionId: 'con_1',
      correlationId: 'cs_1',
      account: { upn: 'a@b.test' },
    });
    expect(readFlowMessage({ ...v1, status: 'superseded' })?.status).toBe('superseded');
  });

  it('refuses other message types, other versions and malformed results', () => {
    expect(readFlowMessage({ ...v1, type: 'other', status: 'success', connectionId: 'con_1' })).toBeNull();
    expect(readFlowMessage({ ...v1, version: 2, status: 'success', connectionId: 'con_1' })).toBeNull();
    expect(readFlowMessage({ ...v1, correlationId: undefined, status: 'success', connectionId: 'con_1' })).toBeNull();
    expect(readFlowMessage('success')).toBeNull();
    expect(readFlowMessage({ status: 'success', provider: 'microsoft-onedrive', tenantId: 'org_acme' })).toBeNull();
    expect(readFlowMessage({ status: 'error', provider: 'microsoft-onedrive', tenantId: 'org_acme' })).toBeNull();
    expect(readFlowMessage({ status: 'done', provider: 'x', tenantId: 'y', installationId: 'ins_1' })).toBeNull();
    expect(readFlowMessage({ status: 'success', provider: 'x', tenantId: 'y', installationId: 42 })).toBeNull();
  });
});

describe('readRedirectResult', () => {
  it('reads the result a redirect-mode flow put in the returnTo query (error code only)', () => {
    expect(
      readRedirectResult(
        new URLSearchParams('tab=1&status=error&provider=microsoft-onedrive&tenantId=org_acme&error=access_denied'),
      ),
    ).toEqual({
      status: 'error',
      provider: 'microsoft-onedrive',
      tenantId: 'org_acme',
      error: { code: 'access_denied' },
    });
    expect(readRedirectResult(new URLSearchParams('tab=1'))).toBeNull();
  });
});
