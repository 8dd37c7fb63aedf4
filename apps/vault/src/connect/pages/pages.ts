import { type Random } from '../../common/random';

/** A server-rendered page: status, headers (CSP included) and HTML. */
export interface RenderedPage {
  status: number;
  headers: Record<string, string>;
  html: string;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>`, `&` and the line separators
 * are escaped so no value can close the element or start markup, whatever it holds.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export interface PageContent {
  status: number;
  title: string;
  /** Paragraphs of plain text (escaped here). */
  paragraphs: string[];
  /** Labelled facts shown as a list under the first paragraph (escaped here). */
  facts?: { label: string; value: string }[];
  /** Links shown under the text (URLs escaped here); `primary` ones look like a button. */
  links?: { href: string; label: string; primary?: boolean }[];
  /** A "Close this window" button (wired by the page's script). */
  closeButton?: boolean;
  /** Data handed to `script` through a JSON element, never through string concatenation. */
  data?: unknown;
  /** A fixed inline script (no interpolation), allowed by the page's CSP nonce. */
  script?: string;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.3rem}p{line-height:1.5}a{color:#0969da}.code{font-family:monospace;color:#57606a}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{color:#57606a}dd{margin:0;font-weight:600}
a.primary,button{display:inline-block;padding:.5rem 1rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;text-decoration:none;font:inherit;cursor:pointer}`;

/**
 * Renders a page under a strict Content-Security-Policy: nothing loads from anywhere, only the
 * page's own nonce-tagged style and script run, no framing, no form posts, no referrer leaks the
 * callback URL (it carries the authorization code).
 */
export function renderPage(content: PageContent, random: Random): RenderedPage {
  const nonce = random.bytes(16).toString('base64');
  const body = [
    `<h1>${escapeHtml(content.title)}</h1>`,
    ...content.paragraphs.slice(0, 1).map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(content.facts?.length
      ? [
          `<dl>${content.facts.map((f) => `<dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value)}</dd>`).join('')}</dl>`,
        ]
      : []),
    ...content.paragraphs.slice(1).map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(content.links ?? []).map(
      (l) => `<p><a${l.primary ? ' class="primary"' : ''} href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></p>`,
    ),
    ...(content.closeButton ? ['<p><button type="button" id="authpipe-close">Close this window</button></p>'] : []),
  ];
  if (content.data !== undefined)
    body.push(`<script type="application/json" id="authpipe-data">${jsonForScript(content.data)}</script>`);
  if (content.script !== undefined) body.push(`<script nonce="${nonce}">${content.script}</script>`);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${escapeHtml(content.title)}</title><style nonce="${nonce}">${STYLE}</style></head><body>${body.join('')}</body></html>`;
  return {
    status: content.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
    html,
  };
}
