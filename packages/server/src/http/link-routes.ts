import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { passkeyResponse } from '../edge/passkey-response.js';
import type { Services } from '../services.js';
import { describeConversation } from '../sessions/index.js';
import type { SignInResult } from '../sign-in/index.js';
import { describeUser } from '../tenancy/index.js';
import { clientIpOf, requireAccessToken, requirePublishableKey } from './guards.js';
import { tokensResponse } from './session-routes.js';
import { accessTokenErrors, errorResponses, publishableKeyErrors } from './error-schema.js';
import { linkedTokensSchema, userInfoSchema } from './schemas.js';

const transport = z.enum(['body', 'cookie']).default('body');
const credentials = z.discriminatedUnion('method', [
  z.object({ method: z.literal('jwt'), token: z.string().min(1).max(16_384), tokenTransport: transport }).strict(),
  z
    .object({
      method: z.literal('password'),
      email: z.string().min(1).max(320),
      password: z.string().min(1).max(1024),
      tokenTransport: transport,
    })
    .strict(),
  z
    .object({
      method: z.literal('email_code'),
      email: z.string().min(1).max(320),
      code: z.string().min(1).max(16),
      tokenTransport: transport,
    })
    .strict(),
  z.object({ method: z.literal('passkey'), response: passkeyResponse, tokenTransport: transport }).strict(),
  z
    .object({
      method: z.literal('flow'),
      flowId: z.string().min(1).max(64),
      flowSecret: z.string().min(1).max(128),
      tokenTransport: transport,
    })
    .strict(),
]);

/** Sign-in mid-conversation over HTTP: the session keeps its history, its old tokens die. */
export function linkRoutes(services: Services): FastifyPluginAsyncZod {
  const { signIn } = services;
  const linkedResponse = (result: SignInResult) => ({
    user: describeUser(result.user),
    previousConversations: result.previousConversations.map(describeConversation),
  });

  return async (app) => {
    app.post(
      '/v1/auth/link',
      {
        schema: {
          tags: ['Sign-in'],
          summary: 'Sign in mid-conversation',
          description:
            'Links the caller\'s session to a user proven by an identity token from the customer\'s app (`method: "jwt"`), a hosted password account, or a completed sign-in flow this session started (`method: "flow"`). History is kept; the session\'s old tokens stop working at once.',
          security: [{ accessToken: [] }],
          body: credentials,
          response: { 200: linkedTokensSchema, ...errorResponses(...accessTokenErrors, 409, 410, 429, 503) },
        },
      },
      async (request, reply) => {
        const { session } = await requireAccessToken(services, request);
        const { tokenTransport, ...given } = request.body;
        const result = await signIn.signIn(session, given, { ip: clientIpOf(request) });
        return { ...tokensResponse(services, request, reply, result, tokenTransport), ...linkedResponse(result) };
      },
    );

    app.post(
      '/v1/auth/signup',
      {
        schema: {
          tags: ['Sign-in'],
          summary: 'Create a hosted password account',
          description:
            'With only a publishable key it creates the account (`201 {user}`, alike for an address that has one). With a bearer access token: where mail is configured, `202 {verification: "email_code"}` and a code is mailed (sign in with `POST /v1/auth/link {method: "email_code"}`, which proves the address); without mail, the session is signed in at once (`201`).',
          security: [{ accessToken: [] }, { publishableKey: [] }],
          body: z
            .object({
              email: z.string().min(1).max(320),
              password: z.string().min(1).max(1024),
              name: z.string().min(1).max(200).optional(),
              tokenTransport: transport,
            })
            .strict(),
          response: {
            201: z
              .union([linkedTokensSchema, z.object({ user: userInfoSchema }).describe('The account (with only a publishable key)')])
              .describe('The session signed in as the new account, or (with only a publishable key) the account'),
            202: z.object({ verification: z.literal('email_code') }).describe('A code was mailed: sign in with it to finish'),
            ...errorResponses(...publishableKeyErrors, 409, 503),
          },
        },
      },
      async (request, reply) => {
        const ip = clientIpOf(request);
        const { email, password, name, tokenTransport } = request.body;
        // With a session, sign-up also signs it in; with only a publishable key it just creates the account.
        if (request.headers.authorization) {
          const { session } = await requireAccessToken(services, request);
          const tenant = await services.tenants.get(session.tenantId);
          if (services.mail.available) {
            // Mail proves the address before the account signs anyone in: a new address and a taken one look alike.
            await signIn.signUp(tenant, { email, password, name }, ip);
            return reply.status(202).send({ verification: 'email_code' as const });
          }
          await signIn.signUp(tenant, { email, password, name }, ip);
          const result = await signIn.signIn(session, { method: 'password', email, password }, { ip });
          return reply.status(201).send({ ...tokensResponse(services, request, reply, result, tokenTransport), ...linkedResponse(result) });
        }
        const tenant = await requirePublishableKey(services, request);
        return reply.status(201).send({ user: await signIn.signUp(tenant, { email, password, name }, ip) });
      },
    );
  };
}
