import { z } from 'zod';
import { providerIdSchema, tenantIdSchema, userIdSchema } from './common';

/** Path of the Graph proxy: the provider, then the Graph path (the rest of the path, slashes included). */
export const proxyParamsSchema = z.strictObject({
  provider: providerIdSchema,
  path: z
    .string()
    .describe(
      'The Microsoft Graph path after its version, slashes included, with its query (me/drive/root/children?$top=5); ' +
        'reserved characters percent-encoded (a UPN’s @ as %40). Dot segments, encoded slashes or dots, backslashes ' +
        'and other hosts are refused (proxy_target_not_allowed).',
    ),
});

/** The headers naming whose credential a proxied request uses. */
export const proxyHeadersSchema = z.object({
  'Authpipe-Tenant-Id': tenantIdSchema,
  'Authpipe-User-Id': userIdSchema
    .optional()
    .describe("The tenant's user whose connection to use; absent: the tenant's installation (app-only)."),
});

/**
 * Set by the Graph proxy on a reply after Graph refused the credential's token (401) and the vault
 * refreshed it to a new one, whether the request was then sent again (its answer is the retry's)
 * or passed back as the 401: its value is the credential id (`con_…`, `ins_…`). A client that
 * keeps credentials from getCredential drops that one, since Graph no longer takes its token.
 */
export const CREDENTIAL_REFRESHED_HEADER = 'Authpipe-Credential-Refreshed';
