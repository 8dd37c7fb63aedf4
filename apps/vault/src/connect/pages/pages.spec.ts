import { describe, expect, it } from 'vitest';
import { completeFailure, completeSuccess, resultUrl, type FlowResult } from './completion';
import { cryptoRandom } from '../../common/random';
import { escapeHtml, jsonForScript, renderPage } from './pages';

const result: FlowResult = {
  status: 'success',
  provider: 'microsoft-onedrive',
  tenantId: 'org_acme',
  userId: 'u1',
  connectionId: 'con_1',
};

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
      'The connection',
      cryptoRandom,
    );
    expect(response.kind).toBe('redirect');
    const url = new URL(response.kind === 'redirect' ? response.location : '');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      x: '1',
      status: 'success',
      provider: 'microsoft-onedrive',
      tenantId: 'org_acme',
      userId: 'u1',
      connectionId: 'con_1',
    });
  });

  it('renders a posting page instead of redirecting to a returnTo that is no longer allowed', () => {
    const response = completeSuccess(
      { mode: 'redirect', returnTo: 'https://gone.test/done', allowedOrigins: ['https://app.test'] },
      result,
      'The connection',
      cryptoRandom,
    );
    expect(response.kind).toBe('page');
  });

  it('posts to each allowed origin by name and never to *', () => {
    const response = completeSuccess(
      { mode: 'popup', returnTo: null, allowedOrigins: ['https://a.test', 'https://b.test'] },
      result,
      'The connection',
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
    const failure = {
      ...result,
      status: 'error' as const,
      connectionId: undefined,
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
    expect(page?.html).toContain('Create a new secret.');
    expect(page?.html).toContain('AADSTS7000222');
    expect(page?.html).toContain(escapeHtml(resultUrl('https://app.test/done', failure)));
    expect(resultUrl('https://app.test/done', failure)).toContain('error=microsoft_error');
    expect(resultUrl('https://app.test/done', failure)).not.toContain('Create');
  });
});
