// SANDBOX ONLY. The page a newcomer lands on at `/` (plain HTML: no script, no inline style, under the
// example's strict CSP): what the sandbox is, the demo accounts of the
// emulator's directories (which one is the admin, the personal account, the SharePoint site), a
// working example of each flow, and how to get a token. Loaded with the sandbox alone (main.ts).
import { SEED } from '../../../microsoft-emulator/src/directory/seed';
import { escapeHtml } from '../connect/pages/pages';

/** What the landing page shows besides the emulator's seed. */
export interface LandingInfo {
  /** The vault's public URL, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** The sandbox file that holds the demo project's secret key (mode 0600). */
  sandboxFile: string;
  /** Where the React example lives on the vault. */
  examplePath: string;
  /** The demo tenant and user the example's sessions use. */
  exampleTenant: string;
  exampleUser: string;
}

/** One row of the demo accounts table: who, where, and what they are for. */
export interface DemoAccount {
  upn: string;
  directory: string;
  role: string;
}

/** The accounts a newcomer needs, from the emulator's seed (the sign-in page asks for no password). */
export function demoAccounts(): DemoAccount[] {
  const c = SEED.contoso;
  const f = SEED.fabrikam;
  return [
    { upn: c.admin.upn, directory: 'Contoso', role: 'administrator: installs the app (admin consent)' },
    { upn: c.adele.upn, directory: 'Contoso', role: 'user: connects her OneDrive' },
    { upn: c.alex.upn, directory: 'Contoso', role: 'user' },
    { upn: f.admin.upn, directory: 'Fabrikam', role: 'administrator of a second customer' },
    { upn: f.diego.upn, directory: 'Fabrikam', role: 'user' },
    { upn: SEED.consumers.megan.upn, directory: 'personal Microsoft accounts', role: 'personal account (users only)' },
  ];
}

/** The SharePoint site of the demo directory, as an admin types it when installing for a site. */
export function demoSiteUrl(): string {
  const site = SEED.contoso.marketingSite;
  return `https://${site.hostname}${site.serverRelativePath}`;
}

/** The landing page's HTML (no script: a plain page under a strict CSP). */
export function landingPage(info: LandingInfo): string {
  const e = escapeHtml;
  const key = `$(node -p "require('${info.sandboxFile}').secretKey")`;
  const credentialUrl =
    `${info.baseUrl}/v1/credentials/microsoft-onedrive?tenantId=${info.exampleTenant}` +
    `&userId=${info.exampleUser}&credentialFor=user`;
  const rows = demoAccounts()
    .map((a) => `<tr><td><code>${e(a.upn)}</code></td><td>${e(a.directory)}</td><td>${e(a.role)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authpipe sandbox</title>
</head>
<body>
<h1>Authpipe sandbox</h1>
<p>This vault runs beside a local Microsoft emulator (Entra ID and Graph) with demo directories, so every
flow works without a Microsoft tenant. Nothing here is for production.</p>
<h2>1. Try the flows</h2>
<ul>
<li><a href="${e(info.examplePath)}">React example</a>: <code>&lt;InstallButton&gt;</code> (an admin installs the app
for tenant <code>${e(info.exampleTenant)}</code>) and <code>&lt;ConnectButton&gt;</code> (user
<code>${e(info.exampleUser)}</code> connects a OneDrive), in a popup with a redirect fallback.</li>
<li><a href="/docs">API reference</a> (OpenAPI, with every error code).</li>
</ul>
<h2>2. Sign in as</h2>
<p>The emulator's sign-in page asks only for the account name.</p>
<table><thead><tr><th>account</th><th>directory</th><th>for</th></tr></thead><tbody>
${rows}
</tbody></table>
<p>SharePoint site of the Contoso directory (an installation can bind to it): <code>${e(demoSiteUrl())}</code></p>
<h2>3. Get a token</h2>
<p>After a user connected through the example, your backend asks for a valid token:</p>
<pre>curl -s "${e(credentialUrl)}" \\
  -H "authorization: Bearer ${e(key)}"</pre>
<p>or, from Node, with <code>@authpipe/node</code>:</p>
<pre>const authpipe = new Authpipe({ secretKey, baseUrl: '${e(info.baseUrl)}' });
const { credential } = await authpipe.getCredential({
  provider: 'microsoft-onedrive', tenantId: '${e(info.exampleTenant)}', userId: '${e(info.exampleUser)}', credentialFor: 'user' });</pre>
<p>The demo project's secret key is in <code>${e(info.sandboxFile)}</code>.</p>
</body>
</html>
`;
}
