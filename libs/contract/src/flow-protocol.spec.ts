import { describe, expect, it } from 'vitest';
import {
  FLOW_REDIRECT_RESULT_PARAMS,
  parseFlowRedirectResult,
  parseFlowResultMessage,
  withFlowRedirectResult,
  withoutFlowRedirectResult,
  type FlowRedirectResult,
} from './flow-protocol';

const base = {
  type: 'authpipe:flow-result',
  version: 1,
  correlationId: 'cs_1',
  provider: 'microsoft-onedrive',
  credentialFor: 'user',
  tenantId: 'org_acme',
  userId: 'user_1',
};

describe('parseFlowResultMessage', () => {
  it('reads a success with its correlation id and account, dropping keys the protocol does not define', () => {
    expect(
      parseFlowResultMessage({
        ...base,
        status: 'success',
        connectionId: 'con_1',
        account: { upn: 'a@b.test', tid: 'dir_1', extra: 1 },
        extra: true,
      }),
    ).toEqual({ ...base, status: 'success', connectionId: 'con_1', account: { upn: 'a@b.test', tid: 'dir_1' } });
    expect(
      parseFlowResultMessage({ ...base, credentialFor: 'installation', userId: undefined, status: 'success' }),
    ).toEqual({ ...base, credentialFor: 'installation', userId: undefined, status: 'success' });
  });

  it('reads an error with its explanation, and the superseded status', () => {
    const error = { code: 'access_denied', message: 'Denied.', remediation: 'Ask again.', aadsts: 65004 };
    expect(parseFlowResultMessage({ ...base, status: 'error', error })).toEqual({ ...base, status: 'error', error });
    expect(parseFlowResultMessage({ ...base, status: 'superseded' })).toEqual({ ...base, status: 'superseded' });
  });

  it('refuses other message types, other versions and malformed results', () => {
    const success = { ...base, status: 'success', connectionId: 'con_1' };
    expect(parseFlowResultMessage(success)).not.toBeNull();
    expect(parseFlowResultMessage({ ...success, type: 'other' })).toBeNull();
    expect(parseFlowResultMessage({ ...success, version: 2 })).toBeNull();
    expect(parseFlowResultMessage({ ...success, type: undefined, version: undefined })).toBeNull();
    expect(parseFlowResultMessage({ ...success, correlationId: undefined })).toBeNull();
    expect(parseFlowResultMessage({ ...success, correlationId: '' })).toBeNull();
    expect(parseFlowResultMessage({ ...success, credentialFor: 'tenant' })).toBeNull();
    expect(parseFlowResultMessage({ ...success, provider: 42 })).toBeNull();
    expect(parseFlowResultMessage({ ...success, connectionId: 42 })).toBeNull();
    expect(parseFlowResultMessage({ ...success, account: { tid: 'dir_1' } })).toBeNull();
    expect(parseFlowResultMessage({ ...success, status: 'done' })).toBeNull();
    expect(parseFlowResultMessage({ ...base, status: 'error' })).toBeNull();
    expect(parseFlowResultMessage({ ...base, status: 'error', error: { code: 'x', message: 'm' } })).toBeNull();
    expect(
      parseFlowResultMessage({
        ...base,
        status: 'error',
        error: { code: 'x', message: 'm', remediation: 'r', aadsts: 1.5 },
      }),
    ).toBeNull();
    expect(parseFlowResultMessage('success')).toBeNull();
    expect(parseFlowResultMessage([success])).toBeNull();
    expect(parseFlowResultMessage(null)).toBeNull();
  });
});

describe('redirect results', () => {
  const result: FlowRedirectResult = {
    status: 'error',
    correlationId: 'cs_1',
    provider: 'microsoft-onedrive',
    tenantId: 'org_acme',
    userId: 'user_1',
    error: 'access_denied',
  };

  it('adds the result to returnTo in a fixed order, keeping its own query, and reads it back', () => {
    const url = withFlowRedirectResult('https://app.test/settings?tab=1', result);
    expect(url).toBe(
      'https://app.test/settings?tab=1&status=error&correlationId=cs_1&provider=microsoft-onedrive&tenantId=org_acme&userId=user_1&error=access_denied',
    );
    expect(parseFlowRedirectResult(new URL(url).searchParams)).toEqual(result);
    expect(withoutFlowRedirectResult(new URL(url)).toString()).toBe('https://app.test/settings?tab=1');
  });

  it('reads nothing from a query that holds no complete result', () => {
    expect(parseFlowRedirectResult(new URLSearchParams('tab=1'))).toBeNull();
    expect(
      parseFlowRedirectResult(new URLSearchParams('status=superseded&correlationId=cs_1&provider=p&tenantId=t')),
    ).toBeNull();
    expect(parseFlowRedirectResult(new URLSearchParams('status=success&provider=p&tenantId=t'))).toBeNull();
    expect(FLOW_REDIRECT_RESULT_PARAMS).toContain('correlationId');
  });
});
