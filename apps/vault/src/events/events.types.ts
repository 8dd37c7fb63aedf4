import { z } from 'zod';
import { namesSecret } from '../common/secret-names';

/** Event types are `<subject>.<what happened>`, e.g. `installation.created`. */
export type EventType = `${string}.${string}`;

const scalar = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);
const value = z.union([scalar, z.array(scalar).max(100)]);

/** Event payloads: flat maps of ids, statuses, codes and dates. Never tokens or secrets. */
export const eventPayloadSchema = z
  .record(z.string().min(1).max(64), value)
  .refine((payload) => Object.keys(payload).every((key) => !namesSecret(key)), {
    message: 'event payload keys must not name secrets',
  });

export type EventPayload = z.infer<typeof eventPayloadSchema>;

export const eventTypeSchema = z
  .string()
  .regex(/^[a-z_]+\.[a-z_.]+$/, 'must look like subject.action') as z.ZodType<EventType>;
