import { z } from 'zod';

/**
 * A request body that may be left out. Fastify hands a bodiless POST to the
 * validator as `null`, which zod's `.default()` and `.optional()` do not accept;
 * this treats it as absent so the schema's default applies.
 */
export function optionalBody<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => value ?? undefined, schema);
}
