import { z } from 'zod';

// A NUL byte anywhere in a request is refused before validation (invalid_characters); these
// rules are for what a well-formed string may still hold.
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidi embeddings, overrides and isolates: they make an id display as another one. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
/** With the u flag, a surrogate matches only when unpaired. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * An id the caller names (tenant, user, record, provider): printable text that cannot pass for
 * another id when displayed. Refuses control characters, bidi overrides, lone surrogates and
 * text that is empty or only whitespace.
 */
export function idString(max: number, description?: string) {
  const schema = z
    .string()
    .min(1)
    .max(max)
    .refine((value) => value.trim().length > 0, 'must not be blank or only whitespace')
    .refine((value) => !CONTROL.test(value), 'must not contain control characters')
    .refine((value) => !BIDI.test(value), 'must not contain bidi control characters')
    .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode (no lone surrogate)');
  return description === undefined ? schema : schema.describe(description);
}

/** The project's own id of one of its customers (`org_acme`). */
export const tenantIdSchema = idString(200, "The project's own id of the customer organisation, e.g. org_acme.").meta({
  example: 'org_acme',
});
/** The project's own id of one of a tenant's users (`user_123`). */
export const userIdSchema = idString(200, "The project's own id of the tenant's user, e.g. user_123.").meta({
  example: 'user_123',
});
/** A record id the vault issued (`ins_…`, `con_…`, `app_…`). */
export const recordIdSchema = idString(100, 'An id the vault issued.');
/** A provider id (`microsoft-onedrive`). */
export const providerIdSchema = idString(100, 'A provider id from GET /v1/providers.').meta({
  example: 'microsoft-onedrive',
});

export const credentialForSchema = z
  .enum(['installation', 'user'])
  .describe("`installation`: the tenant's app-only credential; `user`: one user's delegated credential.");
export type CredentialFor = z.infer<typeof credentialForSchema>;

/** An ISO 8601 date-time with offset, as every answer writes dates. */
export const isoDateTime = z.iso.datetime({ offset: true });

/** Query of every cursor-paginated list. */
export const pageQueryFields = {
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('Items per page (1–100).'),
  cursor: z.string().min(1).max(512).optional().describe('The nextCursor of the previous page.'),
};
export const pageQuerySchema = z.strictObject(pageQueryFields);
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** A page of `item`s with the cursor of the next page (null on the last). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  });
}
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Path of routes addressing one record by id. */
export const recordIdParamsSchema = z.strictObject({ id: recordIdSchema });

/** Why a credential is not active, as every credential answer shows it. */
export const statusDetailSchema = z.object({
  aadsts: z.number().int().nullable(),
  error: z.string().nullable(),
  remediation: z.string().nullable(),
  changedAt: isoDateTime.nullable(),
});
