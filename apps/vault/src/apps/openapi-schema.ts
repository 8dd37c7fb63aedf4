import type { ApiBody } from '@nestjs/swagger';
import { z } from 'zod';

/** The schema type `@ApiBody` takes (@nestjs/swagger does not export SchemaObject from its root). */
type BodySchema = NonNullable<Extract<Parameters<typeof ApiBody>[0], { schema?: unknown }>['schema']>;

/**
 * The OpenAPI 3.0 form of a request schema, for `@ApiBody`: /docs shows exactly the rules the
 * service validates with, from the same zod schema. Refinements across fields (e.g. endpoints
 * only with cloud custom) are not expressible and appear only as the 400 details.
 */
export function openApiSchema(schema: z.ZodType): BodySchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as BodySchema;
}
