import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Services } from '../services.js';
import { errorBody } from './errors.js';
import { errorResponses } from './error-schema.js';

const jwkSchema = z
  .looseObject({ kty: z.string(), kid: z.string(), alg: z.string().optional(), use: z.string().optional() })
  .describe('A public JWK (RFC 7517)');

/** Liveness, readiness and our public keys. */
export function healthRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/healthz',
      { schema: { tags: ['Health'], summary: 'Liveness: the process is up', response: { 200: z.object({ ok: z.literal(true) }) } } },
      async () => ({ ok: true }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['Health'],
          summary: 'Readiness: the store is reachable',
          description:
            '503 while the database is unreachable. `bus` is `degraded` while Redis is unreachable: the node still serves (sessions are checked against the database), so that alone does not make it unready.',
          response: { 200: z.object({ ok: z.literal(true), bus: z.enum(['ok', 'degraded']) }), ...errorResponses(503) },
        },
      },
      async (_request, reply) => {
        try {
          await services.store.ping();
          return { ok: true, bus: services.bus.reliable ? 'ok' : 'degraded' };
        } catch {
          return reply.status(503).send(errorBody('UNAVAILABLE', 'store unreachable'));
        }
      },
    );

    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['Health'],
          summary: 'Our public signing keys (JWKS)',
          description: 'Agent backends verify access tokens statelessly with these.',
          response: { 200: z.object({ keys: z.array(jwkSchema) }).describe('A JWK Set (RFC 7517)') },
        },
      },
      async (_request, reply) => {
        const maxTokenTtlMs = 3600 * 1000;
        const keys = services.signingKeys.published(services.clock.now(), maxTokenTtlMs).map((key) => key.publicJwk);
        reply.header('Cache-Control', 'public, max-age=300');
        return { keys };
      },
    );
  };
}
