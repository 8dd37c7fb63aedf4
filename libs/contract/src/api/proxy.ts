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
