import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeKey, SCOPES } from '../identity/api-keys.js';
import { describeSettings, settingsPatchSchema } from '../identity/settings.js';
import type { Services } from '../services.js';
import { requireSecretKey } from './guards.js';
import { optionalBody } from './optional-body.js';

/** Tenant settings and API keys: secret keys with the `admin` scope only. */
export function adminRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/settings', async (request) => {
      const { tenant } = await requireSecretKey(services, request, 'admin');
      return { tenantId: tenant.id, ...describeSettings(tenant.settings) };
    });

    app.patch('/v1/settings', { schema: { body: settingsPatchSchema } }, async (request) => {
      const { tenant } = await requireSecretKey(services, request, 'admin');
      const settings = await services.tenants.updateSettings(tenant.id, request.body);
      await services.bus.publish({ type: 'tenant.changed', tenantId: tenant.id });
      return { tenantId: tenant.id, ...describeSettings(settings) };
    });

    app.post(
      '/v1/keys',
      {
        schema: {
          body: z
            .object({
              name: z.string().min(1).max(100),
              kind: z.enum(['secret', 'publishable']),
              scopes: z.array(z.enum(SCOPES)).min(1).optional(),
              allowedIps: z.array(z.string().max(64)).max(100).optional(),
              expiresAt: z.number().int().positive().optional(),
            })
            .strict(),
        },
      },
      async (request, reply) => {
        const { tenant } = await requireSecretKey(services, request, 'admin');
        const { key, plaintext } = await services.apiKeys.create({ tenantId: tenant.id, ...request.body });
        return reply.status(201).send({ ...describeKey(key), key: plaintext });
      },
    );

    app.get('/v1/keys', async (request) => {
      const { tenant } = await requireSecretKey(services, request, 'admin');
      return { keys: (await services.apiKeys.list(tenant.id)).map(describeKey) };
    });

    app.post(
      '/v1/keys/:id/rotate',
      {
        schema: {
          params: z.object({ id: z.string().max(64) }),
          body: optionalBody(z.object({ graceSeconds: z.number().int().min(0).max(30 * 86400).optional() }).strict().default({})),
        },
      },
      async (request, reply) => {
        const { tenant } = await requireSecretKey(services, request, 'admin');
        const { key, plaintext } = await services.apiKeys.rotate(tenant.id, request.params.id, request.body.graceSeconds);
        return reply.status(201).send({ ...describeKey(key), key: plaintext });
      },
    );

    app.delete('/v1/keys/:id', { schema: { params: z.object({ id: z.string().max(64) }) } }, async (request, reply) => {
      const { tenant } = await requireSecretKey(services, request, 'admin');
      await services.apiKeys.revoke(tenant.id, request.params.id);
      await services.bus.publish({ type: 'key.revoked', keyId: request.params.id });
      return reply.status(204).send();
    });
  };
}
