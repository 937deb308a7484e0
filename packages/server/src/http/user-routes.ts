import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.js';
import { eraseAnonymous, eraseUser, exportUser } from '../privacy/index.js';
import { describeIdentity, describeUser, monthlyUsage } from '../tenancy/index.js';
import { requireSecretKey } from './guards.js';
import { erasureReceiptSchema, identityInfoSchema, noContent, secretKeySecurity, userInfoSchema } from './schemas.js';
import { errorResponses, secretKeyErrors } from './error-schema.js';
import { userExportSchema } from './user-export-schema.js';

const userParams = z.object({ userId: z.string().min(1).max(256) });

/** GDPR access and erasure, and the monthly usage figures: customer backends only. */
export function userRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/users/:userId',
      {
        schema: {
          tags: ['Users'],
          summary: 'A user and the ways they sign in',
          description:
            "Identities: the customer's own login (`external`), a hosted `password`, provider accounts (`oauth`). Scope `users:read`.",
          security: secretKeySecurity,
          params: userParams,
          response: {
            200: z.object({ user: userInfoSchema, identities: z.array(identityInfoSchema) }),
            ...errorResponses(...secretKeyErrors, 404),
          },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'users:read');
        const user = await services.users.byExternalId(tenant.id, request.params.userId);
        const identities = await services.userIdentities.list(user);
        return { user: describeUser(user), identities: identities.map(describeIdentity) };
      },
    );

    app.delete(
      '/v1/users/:userId/identities/:identityId',
      {
        schema: {
          tags: ['Users'],
          summary: 'Remove one way a user signs in',
          description: "409 `CONFLICT` for the user's last one. Removing `password` removes the password. Scope `users:delete`.",
          security: secretKeySecurity,
          params: userParams.extend({ identityId: z.string().min(1).max(64) }),
          response: { 204: noContent, ...errorResponses(...secretKeyErrors, 404, 409) },
        },
      },
      async (request, reply) => {
        const { tenant, key } = await requireSecretKey(services, request, 'users:delete');
        const user = await services.users.byExternalId(tenant.id, request.params.userId);
        const removed = await services.userIdentities.remove(user, request.params.identityId);
        await services.audit.record({
          tenantId: tenant.id,
          actor: key.id,
          action: 'identity.removed',
          target: request.params.userId,
          details: { kind: removed.kind, provider: removed.provider },
        });
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/users/:userId/export',
      {
        schema: {
          tags: ['Users'],
          summary: 'Export everything held about a user',
          description: 'Including the anonymous ids linked to them. Scope `users:read`.',
          security: secretKeySecurity,
          params: userParams,
          response: { 200: userExportSchema, ...errorResponses(...secretKeyErrors, 404) },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'users:read');
        return exportUser(services, tenant.id, request.params.userId);
      },
    );

    app.delete(
      '/v1/users/:userId',
      {
        schema: {
          tags: ['Users'],
          summary: 'Erase a user',
          description:
            "Their sessions, and the still-anonymous sessions of the anonymous ids (browsers) they signed in from in this tenant, with those sessions' conversations and messages; their links to those ids. A session of such a browser signed in as someone else, or at another tenant, stays. Ends the erased sessions' sockets; returns a receipt with counts. Scope `users:delete`.",
          security: secretKeySecurity,
          params: userParams,
          response: { 200: erasureReceiptSchema, ...errorResponses(...secretKeyErrors, 404) },
        },
      },
      async (request) => {
        const { tenant, key } = await requireSecretKey(services, request, 'users:delete');
        return eraseUser(services, tenant.id, request.params.userId, { actor: key.id });
      },
    );

    app.delete(
      '/v1/anonymous/:anonymousId',
      {
        schema: {
          tags: ['Users'],
          summary: 'Erase an anonymous visitor',
          description: 'Scope `users:delete`.',
          security: secretKeySecurity,
          params: z.object({ anonymousId: z.string().min(1).max(64) }),
          response: { 200: erasureReceiptSchema, ...errorResponses(...secretKeyErrors, 404) },
        },
      },
      async (request) => {
        const { tenant, key } = await requireSecretKey(services, request, 'users:delete');
        return eraseAnonymous(services, tenant.id, request.params.anonymousId, { actor: key.id });
      },
    );

    app.get(
      '/v1/usage',
      {
        schema: {
          tags: ['Users'],
          summary: 'Monthly usage',
          description: 'Unique anonymous visitors and users, sessions and messages of a month. Scope `users:read`.',
          security: secretKeySecurity,
          querystring: z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM') }),
          response: {
            200: z.object({
              month: z.string(),
              uniqueAnonymous: z.number().int(),
              uniqueUsers: z.number().int(),
              sessions: z.number().int(),
              messages: z.number().int(),
            }),
            ...errorResponses(...secretKeyErrors),
          },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'users:read');
        return monthlyUsage(services.store, tenant.id, request.query.month);
      },
    );
  };
}
