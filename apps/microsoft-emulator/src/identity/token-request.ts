import { z } from 'zod';

/** The token endpoint's form body. Everything is optional here; each grant says what it needs. */
export const tokenRequestSchema = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  client_assertion_type: z.string().optional(),
  client_assertion: z.string().optional(),
  scope: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  code_verifier: z.string().optional(),
  refresh_token: z.string().optional(),
  client_info: z.string().optional(),
  /** OIDC claims request: client capabilities (cp1) and answers to Conditional Access challenges. */
  claims: z.string().optional(),
});

export type TokenRequest = z.infer<typeof tokenRequestSchema>;

/** Reads a form value that must be present. */
export function required<K extends keyof TokenRequest>(
  request: TokenRequest,
  name: K,
  onMissing: (name: string) => Error,
): string {
  const value = request[name];
  if (value === undefined || value === '') throw onMissing(name);
  return value;
}

/** Client id and secret from `Authorization: Basic` (client_secret_basic), as the form's alternative. */
export function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null {
  if (!header?.toLowerCase().startsWith('basic ')) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon)),
    clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}
