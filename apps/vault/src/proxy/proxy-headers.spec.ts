import { describe, expect, it } from 'vitest';
import { requestHeadersForGraph, responseHeadersForCaller } from './proxy-headers';

describe(requestHeadersForGraph.name, () => {
  it("forwards what Graph reads and never the caller's credentials, cookies or forwarding headers", () => {
    const forwarded = requestHeadersForGraph({
      authorization: 'Bearer ap_sk_secret',
      cookie: 'session=1',
      host: 'vault.example',
      'x-forwarded-for': '10.0.0.1',
      'authpipe-tenant-id': 'org_acme',
      'content-type': 'application/json',
      'content-length': '12',
      range: 'bytes=0-9',
      'if-match': '"abc"',
      prefer: 'respond-async',
      'client-request-id': 'c1',
    });
    expect(forwarded).toEqual({
      'content-type': 'application/json',
      'content-length': '12',
      range: 'bytes=0-9',
      'if-match': '"abc"',
      prefer: 'respond-async',
      'client-request-id': 'c1',
    });
  });

  it('drops a header the Connection header names as hop-by-hop', () => {
    expect(requestHeadersForGraph({ connection: 'keep-alive, Prefer', prefer: 'x', accept: '*/*' })).toEqual({
      accept: '*/*',
    });
  });
});

describe(responseHeadersForCaller.name, () => {
  it('strips hop-by-hop and authentication headers and keeps the rest', () => {
    expect(
      responseHeadersForCaller({
        connection: 'close, x-hop',
        'x-hop': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'www-authenticate': 'Bearer realm=""',
        'set-cookie': ['a=1'],
        'retry-after': '7',
        location: 'https://contoso.sharepoint.com/download?tempauth=x',
        'content-type': 'application/json',
        'request-id': 'r1',
      }),
    ).toEqual({
      'retry-after': '7',
      location: 'https://contoso.sharepoint.com/download?tempauth=x',
      'content-type': 'application/json',
      'request-id': 'r1',
    });
  });

  it("drops Authpipe's own headers coming from upstream: only the vault sets them", () => {
    expect(
      responseHeadersForCaller({
        'Authpipe-Credential-Refreshed': 'con_other',
        'authpipe-upstream': 'forged',
        'content-type': 'text/plain',
      }),
    ).toEqual({ 'content-type': 'text/plain' });
  });
});
