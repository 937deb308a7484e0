import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_AUDIT_PAGE } from '../tenancy/index.js';
import type { Services } from '../services.js';
import { requireSecretKey } from './guards.js';
import { secretKeySecurity } from './schemas.js';
import { errorResponses, secretKeyErrors } from './error-schema.js';

const entrySchema = z.object({
  id: z.string(),
  at: z.number().int().describe('Epoch ms'),
  actor: z.string().describe('A key id (key_...), "cli", "system", or the session that acted'),
  action: z
    .string()
    .describe(
      'e.g. key.created, key.rotated, key.revoked, key.throttled, session.linked, session.revoked, user.erased, settings.changed, partner.added, partner.removed',
    ),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable().describe('Small, non-secret facts'),
});

/** The tenant's audit log, newest first. */
export function auditRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/audit',
      {
        schema: {
          tags: ['Admin'],
          summary: 'Read the audit log',
          description: 'Newest first; pass `nextCursor` back as `cursor` for the next page. Scope `admin`.',
          security: secretKeySecurity,
          querystring: z
            .object({
              limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).optional(),
              cursor: z.string().max(200).optional(),
              action: z.string().max(64).optional(),
              target: z.string().max(256).optional(),
            })
            .strict(),
          response: {
            200: z.object({ entries: z.array(entrySchema), nextCursor: z.string().nullable() }),
            ...errorResponses(...secretKeyErrors),
          },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'admin');
        return services.audit.page(tenant.id, request.query);
      },
    );
  };
}
