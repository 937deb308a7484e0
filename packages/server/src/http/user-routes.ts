import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.js';
import { exportUser } from '../identity/data-export.js';
import { eraseAnonymous, eraseUser } from '../identity/erasure.js';
import { requireSecretKey } from './guards.js';

const userParams = z.object({ userId: z.string().min(1).max(256) });

/** GDPR access and erasure, and the monthly usage figures: customer backends only. */
export function userRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/users/:userId/export', { schema: { params: userParams } }, async (request) => {
      const { tenant } = await requireSecretKey(services, request, 'users:read');
      return exportUser(services, tenant.id, request.params.userId);
    });

    app.delete('/v1/users/:userId', { schema: { params: userParams } }, async (request) => {
      const { tenant } = await requireSecretKey(services, request, 'users:delete');
      const receipt = await eraseUser(services, tenant.id, request.params.userId);
      return receipt;
    });

    app.delete('/v1/anonymous/:anonymousId', { schema: { params: z.object({ anonymousId: z.string().min(1).max(64) }) } }, async (request) => {
      const { tenant } = await requireSecretKey(services, request, 'users:delete');
      const receipt = await eraseAnonymous(services, tenant.id, request.params.anonymousId);
      return receipt;
    });

    app.get('/v1/usage', { schema: { querystring: z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM') }) } }, async (request) => {
      const { tenant } = await requireSecretKey(services, request, 'users:read');
      const month = request.query.month;
      const actives = await services.store.usage.countActives(tenant.id, month);
      const counters = await services.store.usage.counters(tenant.id, month);
      return { month, uniqueAnonymous: actives.anonymous, uniqueUsers: actives.user, sessions: counters.sessions, messages: counters.messages };
    });
  };
}
