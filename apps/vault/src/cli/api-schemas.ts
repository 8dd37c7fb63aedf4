import { z } from 'zod';

// What the API commands read from the vault's answers (each parsed before use); loaded when a
// command runs, not for --help.

export const session = z.looseObject({ id: z.string(), url: z.string(), expiresAt: z.string() });
const statusOf = z.looseObject({ status: z.string() });
export const installation = statusOf.extend({
  id: z.string(),
  tenantId: z.string(),
  provider: z.string(),
  directoryId: z.string(),
});
export const connection = statusOf.extend({
  id: z.string(),
  tenantId: z.string(),
  provider: z.string(),
  userId: z.string(),
  account: z.looseObject({ upn: z.string().nullable() }),
});
export const page = <T extends z.ZodType>(item: T) =>
  z.looseObject({ data: z.array(item), nextCursor: z.string().nullable() });
export const credential = z.looseObject({ credential: z.string(), expiresAt: z.string() });
