import { z } from 'zod';
import { isoDateTime, tenantIdSchema } from './common';

/** Path of GET /v1/tenants/:tenantId. */
export const tenantParamsSchema = z.strictObject({ tenantId: tenantIdSchema });

/** A tenant as the API shows it: key versions and counts, never key material. */
export const tenantSchema = z.object({
  tenantId: z.string().meta({ example: 'org_acme' }),
  createdAt: isoDateTime,
  dataKeys: z.object({
    activeVersion: z
      .number()
      .int()
      .nullable()
      .describe("Version used for new writes; null before the tenant's first secret."),
    retiredVersions: z
      .array(z.number().int())
      .describe('Older versions that still open existing ciphertexts until re-encryption ends.'),
  }),
  secretCount: z.number().int(),
});
export type TenantDto = z.infer<typeof tenantSchema>;
