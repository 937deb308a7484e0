import { z } from 'zod';

/** What a named schema carries: its component name in the reference documents, and a line about it. */
export interface NamedSchemaMeta {
  id?: string;
  description?: string;
  [key: string]: unknown;
}

/**
 * The schemas that are components of the reference documents (`/openapi.json`,
 * `/asyncapi.json`): wherever one is used, the documents say `$ref` to its name.
 */
export const referenceSchemas = z.registry<NamedSchemaMeta>();

/** Names `schema` as the component `id` and returns it. */
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  referenceSchemas.add(schema, description ? { id, description } : { id });
  return schema;
}
