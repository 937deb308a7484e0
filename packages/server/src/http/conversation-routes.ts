import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.js';
import { describeConversation, describeMessage } from '../sessions/index.js';
import { requireAccessToken } from './guards.js';
import { accessTokenErrors, errorResponses } from './error-schema.js';
import { conversationInfoSchema, messageInfoSchema } from './schemas.js';

/** The caller's own conversations and messages; anyone else's answer 404. */
export function conversationRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/conversations',
      {
        schema: {
          tags: ['Conversations'],
          summary: "The caller's conversations",
          description: "For a user: all of the user's, newest first; for an anonymous session: its own.",
          security: [{ accessToken: [] }],
          response: { 200: z.object({ conversations: z.array(conversationInfoSchema) }), ...errorResponses(...accessTokenErrors) },
        },
      },
      async (request) => {
        const { session } = await requireAccessToken(services, request);
        const conversations = await services.conversations.listFor(session);
        return { conversations: conversations.map(describeConversation) };
      },
    );

    app.get(
      '/v1/conversations/:id/messages',
      {
        schema: {
          tags: ['Conversations'],
          summary: "Messages of one of the caller's conversations",
          description: 'Only a conversation of the caller; any other is 404 NOT_FOUND.',
          security: [{ accessToken: [] }],
          params: z.object({ id: z.string().max(128) }),
          querystring: z.object({ before: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(200).optional() }),
          response: { 200: z.object({ messages: z.array(messageInfoSchema) }), ...errorResponses(...accessTokenErrors, 404) },
        },
      },
      async (request) => {
        const { session } = await requireAccessToken(services, request);
        const messages = await services.conversations.messages(session, request.params.id, request.query);
        return { messages: messages.map(describeMessage) };
      },
    );
  };
}
