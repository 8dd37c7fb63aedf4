import { parseFlowResultMessage, type FlowResultMessage } from '@authpipe/contract';
import { describe, expect, it } from 'vitest';
import { completeFailure, completeSuccess, completeSuperseded, resultUrl } from './completion';
import { cryptoRandom } from '../../common/random';
import { escapeHtml, jsonForScript, renderPage } from './pages';

const base = {
  type: 'authpipe:flow-result',
  version: 1,
  correlationId: 'cs_1',
  provider: 'microsoft-onedrive',
  credentialFor: 'user',
  tenantId: 'org_acme',
  userId: 'u1',
} as const;
const result: FlowResultMessage = {
  ...base,
  status: 'success',
  connectionId: 'con_1',
  account: { upn: 'adele@contoso.test' },
};
const text = { appName: 'Acme Files', accountUpn: 'adele@contoso.test' };

describe(renderPage.name, () => {
  it('escapes text, link targets and embedded JSON so no value can start markup', () => {
    const hostile = `</script><img src=x onerror="alert(1)">'`;
    const page = renderPage(
      {
        status: 400,
        title: hostile,
        paragraphs: [hostile],
        links: [{ href: `https://a.test/?q="${hostile}`, label: hostile }],
        data: { v: hostile },
        script: 'void 0;',
      },
      cryptoRandom,
    );
    expect(page.html).not.toContain('<img');
    expect(page.html.match(/<script/g)).toHaveLength(2);
    expect(page.html.match(/<\/script>/g)).toHaveLength(2);
    expect(JSON.parse(jsonForScript({ v: hostile }))).toEqual({ v: hostile });
    expect(escapeHtml(`"'<>&\``)).toBe('&#34;&#39;&#60;&#62;&#38;&#96;');
  });

  it('sets a strict CSP whose nonce is the one on the inline script and style', () => {
    const page = renderPage({ status: 200, title: 't', paragraphs: [], script: 'void 0;' }, cryptoRandom);
    const nonce = /'nonce-([^']+)'/.exec(page.headers['content-security-policy'])?.[1];
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.html).toContain(`<script nonce="${nonce}">`);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe(completeSuccess.name, () => {
  it('redirects to an allow-listed returnTo with the result in the query, keeping its own query', () => {
    const response = completeSuccess(
      { mode: 'redirect', returnTo: 'https://app.test/done?x=1', allowedOrigins: ['https://app.test'] },
      result,
      text,
      cryptoRandom,
    );
    expect(response.kind).toBe('redirect');
    const url = new URL(response.kind === 'redirect' ? response.location : '');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      x: '1',
      status: 'success',
      correlationId: 'cs_1',
      provider: 'microsoft-onedrive',
      tenantId: 'org_acme',
      userId: 'u1',
      connectionId: 'con_1',
    });
  });

  it('names the app and the account on the success page, with a close button', () => {
    const response = completeSuccess(
      { mode: 'popup', returnTo: null, allowedOrigins: ['https://a.test'] },
      result,
      text,
      cryptoRandom,
    );
    const html = response.kind === 'page' ? response.page.html : '';
    expect(html).toContain('<title>Connection complete</title>');
    expect(html).toContain('Acme Files is now connected to your Microsoft account as adele@contoso.test.');
    expect(html).toContain('id="authpipe-close"');
  });

  it('posts a message that the protocol schema accepts', () => {
    const response = completeSuccess(
      { mode: 'popup', returnTo: null, allowedOrigins: ['https://a.test'] },
      result,
      text,
      cryptoRandom,
    );
    const json = /id="authpipe-data">([^<]*)</.exec(response.kind === 'page' ? response.page.html : '')?.[1] ?? '{}';
    const data = JSON.parse(json) as { result: unknown };
    expect(parseFlowResultMessage(data.result)).toEqual(result);
  });

  it('warns in the console when the opener is not an allowed origin', () => {
    const response = completeSuccess(
      { mode: 'popup', returnTo: null, allowedOrigins: ['https://a.test'], openerOrigin: 'http://localhost:5174' },
      result,
      text,
      cryptoRandom,
    );
    const html = response.kind === 'page' ? response.page.html : '';
    expect(html).toContain('this window was opened by http://localhost:5174, which is not one of the app');
    expect(html).toContain('console.error(d.openerWarning)');
  });

  it('renders a posting page instead of redirecting to a returnTo that is no longer allowed', () => {
    const response = completeSuccess(
      { mode: 'redirect', returnTo: 'https://gone.test/done', allowedOrigins: ['https://app.test'] },
      result,
      text,
      cryptoRandom,
    );
    expect(response.kind).toBe('page');
  });

  it('posts to each allowed origin by name and never to *', () => {
    const response = completeSuccess(
      { mode: 'popup', returnTo: null, allowedOrigins: ['https://a.test', 'https://b.test'] },
      result,
      text,
      cryptoRandom,
    );
    const html = response.kind === 'page' ? response.page.html : '';
    expect(html).toContain('"origins":["https://a.test","https://b.test"]');
    expect(html).not.toMatch(/postMessage\([^)]*['"]\*['"]/);
  });
});

describe(completeFailure.name, () => {
  it('explains the failure with its codes and links back to returnTo with the error code only', () => {
    const info = {
      code: 'microsoft_error' as const,
      message: 'Microsoft refused the request (AADSTS7000222).',
      remediation: 'Create a new secret.',
      aadsts: 7000222,
    };
    const failure: FlowResultMessage = {
      ...base,
      status: 'error',
      error: { code: info.code, message: info.message, remediation: info.remediation },
    };
    const response = completeFailure(
      { mode: 'redirect', returnTo: 'https://app.test/done', allowedOrigins: ['https://app.test'] },
      failure,
      info,
      502,
      cryptoRandom,
    );
    const page = response.kind === 'page' ? response.page : null;
    expect(page?.status).toBe(502);
    expect(page?.html).toContain('Authpipe error code: microsoft_error. Microsoft error code: AADSTS7000222.');
    expect(page?.html).toContain(escapeHtml(resultUrl('https://app.test/done', failure)));
    expect(resultUrl('https://app.test/done', failure)).toContain('error=microsoft_error');
    expect(resultUrl('https://app.test/done', failure)).not.toContain('Create');
  });
});

describe(completeSuperseded.name, () => {
  it('tells the person to use the newest window and posts superseded to the opener', () => {
    const response = completeSuperseded(
      { mode: 'popup', returnTo: null, allowedOrigins: ['https://a.test'] },
      { ...base, status: 'superseded' },
      cryptoRandom,
    );
    const page = response.kind === 'page' ? response.page : null;
    expect(page?.status).toBe(409);
    expect(page?.html).toContain('Use the newest window to finish');
    expect(page?.html).toContain('"status":"superseded"');
  });
});

describe('failure pages speak to the person, not to the developers', () => {
  const popup = { mode: 'popup' as const, returnTo: null, allowedOrigins: ['https://a.test'] };
  const render = (info: Parameters<typeof completeFailure>[2], credentialFor: 'installation' | 'user') => {
    const message: FlowResultMessage = {
      ...base,
      credentialFor,
      status: 'error',
      error: { code: info.code, message: info.message, remediation: info.remediation },
    };
    const response = completeFailure(popup, message, info, 403, cryptoRandom, { credentialFor, appName: 'Acme Files' });
    return response.kind === 'page' ? response.page.html : '';
  };

  it('keeps developer advice in the posted message only', () => {
    const html = render(
      {
        code: 'scopes_missing_offline_access',
        message: 'The app does not request offline_access.',
        remediation: "The application's developers must add offline_access (PATCH /v1/apps/app_1).",
      },
      'user',
    );
    const visible = html.replace(/<script[\s\S]*?<\/script>/g, '');
    expect(visible).not.toContain('PATCH /v1/apps');
    expect(visible).toContain('Acme Files is not set up correctly with Microsoft');
    expect(html).toContain('PATCH /v1/apps/app_1'); // in the opener's message
  });

  it('calls an installation an installation, and a declined admin consent is not "the user declined"', () => {
    const html = render(
      {
        code: 'admin_consent_denied',
        message: 'The administrator did not grant consent to the app.',
        remediation: 'The user declined to consent to the app: ask the user to connect again and accept.',
      },
      'installation',
    );
    const visible = html.replace(/<script[\s\S]*?<\/script>/g, '');
    expect(visible).toContain('<title>The installation could not be completed</title>');
    expect(visible).toContain('were not approved for your organisation');
    expect(visible).not.toMatch(/user declined|ask the user/i);
  });
});
