import { z } from 'zod';

/** GET /healthz. */
export const livenessSchema = z.object({ status: z.literal('ok') });

const indicator = z.record(z.string(), z.object({ status: z.string() }).catchall(z.unknown()));

/** GET /readyz: each check by name (database, masterKeys, migrations, invalidationBus). */
export const readinessSchema = z.object({
  status: z.string(),
  info: indicator.optional(),
  error: indicator.optional(),
  details: indicator,
});
