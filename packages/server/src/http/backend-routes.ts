import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MintedTokens } from '../sign-in/index.js';
import { avatarSchema, customClaimsSchema, externalUserIdSchema, userNameSchema } from '../sign-in/index.js';
import { describeUser } from '../tenancy/index.js';
import type { Services } from '../services.js';
import { describeConversation } from '../sessions/index.js';
import { requireSecretKey } from './guards.js';
import { conversationInfoSchema, noContent, secretKeySecurity, sessionInfoSchema, userTokensSchema } from './schemas.js';
import { errorResponses, secretKeyErrors } from './error-schema.js';
import { tokensResponse } from './session-routes.js';

const profile = {
  userId: externalUserIdSchema.describe("The customer's own id of the user"),
  name: userNameSchema.nullable().optional(),
  avatar: avatarSchema.nullable().optional(),
  custom: customClaimsSchema.optional(),
};
const sessionParams = z.object({ sessionId: z.string().min(1).max(64) });
const userParams = z.object({ userId: externalUserIdSchema });
const TAG = 'Backend';

/**
 * What a customer backend calls with a secret key: minted tokens (scope tokens:write),
 * server-side linking and revocation (sessions:write), and a user's sessions and
 * conversations (users:read).
 */
export function backendRoutes(services: Services): FastifyPluginAsyncZod {
  const send = (request: FastifyRequest, reply: FastifyReply, minted: MintedTokens) =>
    reply.status(201).send({
      ...tokensResponse(services, request, reply, minted, 'body'),
      session: services.sessions.describe(minted.session, minted.user),
      user: describeUser(minted.user),
      ...(minted.previousConversations ? { previousConversations: minted.previousConversations.map(describeConversation) } : {}),
    });

  return async (app) => {
    app.post(
      '/v1/auth/tokens',
      {
        schema: {
          tags: [TAG],
          summary: 'Mint tokens for one of your users',
          description:
            'Creates or updates the user (name, avatar, custom claims) and starts a session signed in as them; with `sessionId`, links that existing anonymous session instead (its history is kept and its old tokens stop working). Scope `tokens:write`.',
          security: secretKeySecurity,
          body: z
            .object({
              ...profile,
              sessionId: z.string().min(1).max(64).optional().describe('An anonymous session to link instead of starting a new one'),
            })
            .strict(),
          response: { 201: userTokensSchema, ...errorResponses(...secretKeyErrors, 404, 409) },
        },
      },
      async (request, reply) => {
        const { key, tenant } = await requireSecretKey(services, request, 'tokens:write');
        return send(request, reply, await services.backendSessions.mint(tenant, request.body, key.id));
      },
    );

    app.post(
      '/v1/sessions/:sessionId/link',
      {
        schema: {
          tags: [TAG],
          summary: 'Link an anonymous session to a user',
          description:
            "Links the visitor's session to the user from the server side and returns the session's new tokens. Scope `sessions:write`.",
          security: secretKeySecurity,
          params: sessionParams,
          body: z.object(profile).strict(),
          response: { 201: userTokensSchema, ...errorResponses(...secretKeyErrors, 404, 409) },
        },
      },
      async (request, reply) => {
        const { key, tenant } = await requireSecretKey(services, request, 'sessions:write');
        return send(request, reply, await services.backendSessions.link(tenant, request.params.sessionId, request.body, key.id));
      },
    );

    app.delete(
      '/v1/sessions/:sessionId',
      {
        schema: {
          tags: [TAG],
          summary: 'Revoke a session',
          description: 'Its tokens stop working at once and its sockets close. Idempotent. Scope `sessions:write`.',
          security: secretKeySecurity,
          params: sessionParams,
          response: { 204: noContent, ...errorResponses(...secretKeyErrors, 404) },
        },
      },
      async (request, reply) => {
        const { key, tenant } = await requireSecretKey(services, request, 'sessions:write');
        await services.backendSessions.revoke(tenant, request.params.sessionId, key.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/users/:userId/sessions',
      {
        schema: {
          tags: [TAG],
          summary: "A user's sessions",
          description: 'Newest first, ended ones included (`active: false`) until cleanup removes them. Scope `users:read`.',
          security: secretKeySecurity,
          params: userParams,
          response: {
            200: z.object({
              sessions: z.array(
                sessionInfoSchema.extend({ lastSeenAt: z.number().int(), revokedAt: z.number().int().nullable(), active: z.boolean() }),
              ),
            }),
            ...errorResponses(...secretKeyErrors, 404),
          },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'users:read');
        return { sessions: await services.backendSessions.sessionsOf(tenant, request.params.userId) };
      },
    );

    app.get(
      '/v1/users/:userId/conversations',
      {
        schema: {
          tags: [TAG],
          summary: "A user's conversations",
          description: 'Newest first. Scope `users:read`.',
          security: secretKeySecurity,
          params: userParams,
          response: {
            200: z.object({ conversations: z.array(conversationInfoSchema.extend({ sessionId: z.string() })) }),
            ...errorResponses(...secretKeyErrors, 404),
          },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'users:read');
        return { conversations: await services.backendSessions.conversationsOf(tenant, request.params.userId) };
      },
    );
  };
}
