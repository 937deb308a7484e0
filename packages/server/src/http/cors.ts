import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Tessera-Key, X-Tessera-CSRF';

/**
 * CORS for browser callers on allowed origins. Whether a request is then served is
 * decided per tenant by the route guards (`ORIGIN_NOT_ALLOWED`); this only lets
 * allowed origins read answers and make credentialed calls.
 */
export function registerCors(app: FastifyInstance, services: Services): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin) return;
    if (!(await services.origins.isKnown(origin))) return;
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Access-Control-Allow-Credentials', 'true');
    reply.header('Vary', 'Origin');
    // The client SDK estimates clock skew from `Date`.
    reply.header('Access-Control-Expose-Headers', 'Date, Retry-After');
    if (request.method === 'OPTIONS') {
      reply.header('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS');
      reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      reply.header('Access-Control-Max-Age', '600');
      return reply.status(204).send();
    }
  });
}
