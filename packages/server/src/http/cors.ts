import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../services.js';

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Tessera-Key, X-Tessera-CSRF';

/**
 * CORS for browser callers on allowed origins. Whether a request is then served is
 * decided per tenant by the route guards (`ORIGIN_NOT_ALLOWED`); this only lets
 * allowed origins read answers and make credentialed calls.
 *
 * An origin no tenant allows still passes the preflight, without credentials (no cookie
 * rides along), so that it can read its own refusal (`refusalReadableBy`) and the SDK can
 * say ORIGIN_NOT_ALLOWED instead of retrying a network error: nothing else it gets is readable.
 */
export function registerCors(app: FastifyInstance, services: Services): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin) return;
    const known = await services.origins.isKnown(origin);
    reply.header('Vary', 'Origin');
    if (known) {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Access-Control-Allow-Credentials', 'true');
      // The client SDK estimates clock skew from `Date`.
      reply.header('Access-Control-Expose-Headers', 'Date, Retry-After');
    }
    if (request.method === 'OPTIONS') {
      if (!known) reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS');
      reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      reply.header('Access-Control-Max-Age', '600');
      return reply.status(204).send();
    }
  });
}

/** Lets the calling origin read an ORIGIN_NOT_ALLOWED answer (only that answer: see registerCors). */
export function refusalReadableBy(origin: string | undefined, reply: FastifyReply): void {
  if (origin && !reply.hasHeader('access-control-allow-origin')) reply.header('Access-Control-Allow-Origin', origin);
}
