import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.js';
import { clientIpOf, requireAccessToken, requirePublishableKey } from './guards.js';
import { errorResponses, publishableKeyErrors } from './error-schema.js';

/** Codes mailed to an address; the chat then signs in with `POST /v1/auth/link {method: "email_code"}`. */
export function emailCodeRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/auth/email-code',
      {
        schema: {
          tags: ['Sign-in'],
          summary: 'Mail a sign-in code',
          description:
            'A six-digit code, valid 10 minutes, used once, at most 5 tries. The same `202` for every address: an unknown one gets a code only when the tenant allows sign-up (`accounts.signup`, the default), and the account is made when the code is used. Without mail, `503 UNAVAILABLE`.',
          security: [{ publishableKey: [] }, { accessToken: [] }],
          body: z
            .object({
              email: z.string().min(1).max(320),
              purpose: z
                .enum(['sign_in', 'signup'])
                .default('sign_in')
                .describe('`signup`: a new code for a sign-up waiting to be confirmed'),
            })
            .strict(),
          response: { 202: z.object({}).describe('Accepted: the same for every address'), ...errorResponses(...publishableKeyErrors, 503) },
        },
      },
      async (request, reply) => {
        const tenant = request.headers.authorization
          ? await services.tenants.get((await requireAccessToken(services, request)).session.tenantId)
          : await requirePublishableKey(services, request);
        await services.emailCodes.send(tenant, request.body.email, clientIpOf(request), request.body.purpose);
        return reply.status(202).send({});
      },
    );
  };
}
