import { z } from 'zod';
import { isoDateTime, recordIdSchema, tenantIdSchema } from './common';

/** Body of POST /admin/v1/projects. */
export const createProjectSchema = z.strictObject({ name: z.string().trim().min(1).max(200) });

/** Body of PATCH /admin/v1/projects/:projectId: the settings to change. */
export const updateProjectSchema = z
  .strictObject({
    allowSharedDirectories: z
      .boolean()
      .optional()
      .describe('Several tenants may install the same Microsoft directory.'),
  })
  .refine((s) => Object.values(s).some((v) => v !== undefined), 'name at least one setting to change');

/** Body of POST /admin/v1/projects/:projectId/api-keys. */
export const createApiKeySchema = z.strictObject({ name: z.string().max(200).optional() });

export const projectParamsSchema = z.strictObject({ projectId: recordIdSchema });
export const apiKeyParamsSchema = z.strictObject({ projectId: recordIdSchema, keyId: recordIdSchema });
export const projectTenantParamsSchema = z.strictObject({ projectId: recordIdSchema, tenantId: tenantIdSchema });

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  allowSharedDirectories: z.boolean(),
  createdAt: isoDateTime,
});
export type ProjectDto = z.infer<typeof projectSchema>;

/** An API key in lists: never the secret nor its hash, only its last four characters. */
export const apiKeySchema = z.object({
  id: z.string(),
  projectId: z.string(),
  publicId: z.string(),
  name: z.string(),
  lastFour: z.string(),
  createdAt: isoDateTime,
  lastUsedAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.nullable(),
});
export type ApiKeyDto = z.infer<typeof apiKeySchema>;

/** The answer of key creation: the only time the key text is shown. */
export const createdApiKeySchema = apiKeySchema.extend({ secretKey: z.string() });
export type CreatedApiKeyDto = z.infer<typeof createdApiKeySchema>;

/** A key job (master or tenant key rotation, shred); params hold ids and counts only. */
export const keyJobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  projectId: z.string().nullable(),
  tenantId: z.string().nullable(),
  processed: z.number().int(),
  total: z.number().int(),
  result: z.record(z.string(), z.unknown()),
  finishedAt: isoDateTime.nullable(),
});
export type KeyJobDto = z.infer<typeof keyJobSchema>;
