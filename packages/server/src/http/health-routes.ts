import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services.js';
import { errorBody } from './errors.js';

/** Liveness, readiness and our public keys. */
export function healthRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { tags: ['Health'], summary: 'Liveness: the process is up' } }, async () => ({ ok: true }));

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['Health'],
          summary: 'Readiness: the store is reachable',
          description:
            '503 while the database is unreachable. `bus` is `degraded` while Redis is unreachable: the node still serves (sessions are checked against the database), so that alone does not make it unready.',
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
