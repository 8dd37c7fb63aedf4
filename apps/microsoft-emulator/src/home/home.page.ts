// The page at the emulator's root: what this server is, the seeded accounts to sign in with, and
// where to read more. Plain HTML without script; nothing secret (no client secret, no key).
import { SEED } from '../directory/seed';
import { escapeHtml } from '../identity/sign-in.page';

/** One seeded account a person can sign in as on the emulator's sign-in page. */
export interface HomeAccount {
  upn: string;
  directory: string;
  role: string;
}

/** The seeded accounts of the global cloud, each with what it is for. */
export function homeAccounts(): HomeAccount[] {
  return [
    { upn: SEED.contoso.admin.upn, directory: 'Contoso', role: 'global administrator (admin consent)' },
    { upn: SEED.contoso.adele.upn, directory: 'Contoso', role: 'user' },
    { upn: SEED.contoso.alex.upn, directory: 'Contoso', role: 'user' },
    { upn: SEED.fabrikam.admin.upn, directory: 'Fabrikam', role: 'global administrator' },
    { upn: SEED.fabrikam.diego.upn, directory: 'Fabrikam', role: 'user' },
    { upn: SEED.consumers.megan.upn, directory: 'personal Microsoft accounts', role: 'personal account' },
  ];
}

/** The root page's HTML; `controlApi` says whether this instance serves `/_emulator`. */
export function homePage(options: { controlApi: boolean }): string {
  const e = escapeHtml;
  const rows = homeAccounts()
    .map((a) => `<tr><td><code>${e(a.upn)}</code></td><td>${e(a.directory)}</td><td>${e(a.role)}</td></tr>`)
    .join('\n');
  const site = SEED.contoso.marketingSite;
  const control = options.controlApi
    ? `<p>The control API changes the directory, consents, faults and the clock: start with
<a href="/_emulator/directory"><code>GET /_emulator/directory</code></a> (tenants, users and apps).</p>`
    : '<p>The control API (<code>/_emulator</code>) is off in this instance.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Microsoft emulator (Authpipe)</title></head>
<body>
<h1>Microsoft emulator</h1>
<p>A local stand-in for the Microsoft identity platform (Entra ID: sign-in, admin consent, tokens) and
Microsoft Graph (OneDrive and SharePoint files), for Authpipe's tests and sandbox. Nothing here reaches
Microsoft, and none of its accounts, apps or tokens are real.</p>
<h2>Sign in as</h2>
<p>The sign-in page asks only for the account; there are no passwords.</p>
<table><thead><tr><th>account</th><th>directory</th><th>for</th></tr></thead><tbody>
${rows}
</tbody></table>
<p>Demo app (client id): <code>${e(SEED.demoApp.clientId)}</code>. SharePoint site:
<code>https://${e(site.hostname)}${e(site.serverRelativePath)}</code>.</p>
<h2>Endpoints</h2>
<ul>
<li>OpenID configuration: <a href="/common/v2.0/.well-known/openid-configuration"><code>/common/v2.0/.well-known/openid-configuration</code></a>
(also per tenant, <code>/{tenant}/v2.0/…</code>)</li>
<li>Authorization and tokens: <code>/{tenant}/oauth2/v2.0/authorize</code>, <code>/{tenant}/oauth2/v2.0/token</code></li>
<li>Graph: <code>/v1.0/…</code> with a token from this emulator</li>
</ul>
${control}
<p>More, including every control route and which Microsoft behaviour each part copies: the emulator's
README in the Authpipe repository, <code>apps/microsoft-emulator/README.md</code>.</p>
</body></html>
`;
}
