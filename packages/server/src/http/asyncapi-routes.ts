import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicUrlOf } from '../edge/public-url.js';
import type { Services } from '../services.js';
import { asyncApiDocument } from './asyncapi.js';

/** `GET /asyncapi.json`: the socket's frames both ways and its close codes (AsyncAPI 3.0). */
export function asyncApiRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/asyncapi.json',
      {
        schema: {
          tags: ['WebSocket'],
          summary: 'The AsyncAPI 3.0 document of the socket',
          description: 'Every frame of `GET /v1/ws`, both ways, with its payload schema, and the close codes.',
          response: { 200: z.looseObject({ asyncapi: z.literal('3.0.0') }).describe('AsyncAPI 3.0') },
        },
      },
      async () => asyncApiDocument(publicUrlOf(services.config, app.server)),
    );
  };
}
