// Server-rendered pages of the sign-in flow. Plain HTML forms so a person, a headless browser or a
// script posting the form can complete them. Everything interpolated is escaped; no token,
// code, secret or verifier is ever placed on a page.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}.app{font-weight:600}ul{padding-left:1.2rem}.error{color:#a80000}
button{padding:.5rem 1.2rem;margin-right:.5rem}select{width:100%;padding:.4rem;margin:.5rem 0 1rem}</style>
</head><body><p><small>Microsoft identity platform (emulator)</small></p>${body}</body></html>`;
}

export interface SignInPageModel {
  /** Where the form posts. */
  action: string;
  /** Opaque id of the pending request held by the emulator. */
  requestId: string;
  appName: string;
  title: string;
  users: { upn: string; displayName: string }[];
  selectedUpn: string | null;
  permissions: string[];
  error: string | null;
}

/** The account picker with the consent list and Accept / Cancel buttons. */
export function signInPage(model: SignInPageModel): string {
  const options = model.users
    .map(
      (u) =>
        `<option value="${escapeHtml(u.upn)}"${u.upn === model.selectedUpn ? ' selected' : ''}>${escapeHtml(u.displayName)} (${escapeHtml(u.upn)})</option>`,
    )
    .join('');
  const permissions = model.permissions.length
    ? `<p>This will allow <span class="app">${escapeHtml(model.appName)}</span> to:</p><ul>${model.permissions.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>`
    : '';
  const error = model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>` : '';
  return layout(
    model.title,
    `<h1>${escapeHtml(model.title)}</h1>${error}
<form method="post" action="${escapeHtml(model.action)}">
<input type="hidden" name="request" value="${escapeHtml(model.requestId)}">
<label for="login">Account</label>
<select id="login" name="login">${options}</select>
${permissions}
<button type="submit" name="action" value="approve" id="approve">Accept</button>
<button type="submit" name="action" value="deny" id="deny">Cancel</button>
</form>`,
  );
}

/**
 * "Need admin approval": a user who is not an administrator meets it when the tenant does not let
 * users consent. Its one way out returns to the application without consent; the AADSTS code is
 * what the sign-in logs show (AADSTS90094).
 */
export function adminApprovalPage(model: { action: string; requestId: string; upn: string; message: string }): string {
  return layout(
    'Need admin approval',
    `<h1>Need admin approval</h1><p>${escapeHtml(model.upn)}</p><p class="error" role="alert">${escapeHtml(model.message)}</p>
<p><small>AADSTS90094</small></p>
<form method="post" action="${escapeHtml(model.action)}">
<input type="hidden" name="request" value="${escapeHtml(model.requestId)}">
<input type="hidden" name="login" value="${escapeHtml(model.upn)}">
<button type="submit" name="action" value="deny" id="deny">Return to the application without granting consent</button>
</form>`,
  );
}

/** Microsoft's own error page, for errors it will not send to an untrusted redirect URI. */
export function errorPage(code: number, description: string): string {
  return layout(
    'Sign in error',
    `<h1>Sorry, but we’re having trouble signing you in.</h1><p class="error" role="alert">AADSTS${code}: ${escapeHtml(description)}</p>`,
  );
}

/** The page a `form_post` response mode returns: it posts the fields to the redirect URI. */
export function formPostPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<!doctype html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}
