import { z } from 'zod';
import { tenantIdSchema } from '../tenants/tenant.dto';

/** Ids the caller names: printable, no control characters (the served-credential cache joins them with NUL). */
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

/** Path of GET /v1/credentials/:provider. */
export const getCredentialParamsSchema = z.strictObject({ provider: printable(100) });

/** Query of GET /v1/credentials/:provider. */
export const getCredentialQuerySchema = z
  .strictObject({
    tenantId: tenantIdSchema.pipe(printable(200)),
    userId: printable(200).optional(),
    credentialFor: z.enum(['installation', 'user']),
    forceRefresh: z.enum(['true', 'false']).default('false'),
  })
  .superRefine((q, ctx) => {
    if (q.credentialFor === 'user' && q.userId === undefined)
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'required when credentialFor is user' });
    if (q.credentialFor === 'installation' && q.userId !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['userId'],
        message: 'only with credentialFor user (an installation is the whole tenant)',
      });
  });
export type GetCredentialQuery = z.infer<typeof getCredentialQuerySchema>;
