import { STATUS_CODES } from 'node:http';

const PLACEHOLDER = 'Default Response';

interface Response {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}

/**
 * Gives each response of an OpenAPI document that @fastify/swagger left as "Default Response" a
 * real description: the one of the named schema it answers with, else the status's reason phrase.
 */
export function describeResponses(document: object): void {
  const { paths = {}, components } = document as {
    paths?: Record<string, Record<string, { responses?: Record<string, Response> }>>;
    components?: { schemas?: Record<string, { description?: string }> };
  };
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        if (response.description !== PLACEHOLDER) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        const named = ref ? components?.schemas?.[ref.slice(ref.lastIndexOf('/') + 1)]?.description : undefined;
        response.description = named ?? STATUS_CODES[Number(status)] ?? status;
      }
    }
  }
}
