import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.js';
import { sendCallbackPage } from './callback-page.js';
import { clientIpOf, requireAccessToken, requirePublishableKey } from './guards.js';
import { magicLinkCookie } from './magic-link-routes.js';
import { serializeCookie } from '../edge/cookies.js';
import { publicUrlOf } from '../edge/public-url.js';
import { FLOW_TTL_MS } from '../sign-in/index.js';
import { accessTokenErrors, errorResponses, publishableKeyErrors } from './error-schema.js';
import { htmlPage } from './schemas.js';

const flowParams = z.object({ flowId: z.string().min(1).max(64) });
const providerInfo = z.object({ id: z.string(), kind: z.enum(['oidc', 'github']), name: z.string() });

/** Sign-ins that finish elsewhere: providers a chat can offer, flows it starts and follows, providers' callbacks. */
export function flowRoutes(services: Services): FastifyPluginAsyncZod {
  const { signInFlows } = services;
  return async (app) => {
    app.get(
      '/v1/auth/providers',
      {
        schema: {
          tags: ['Sign-in'],
          summary: "The tenant's sign-in providers",
          description: 'What a sign-in card offers as "Continue with …" buttons.',
          security: [{ publishableKey: [] }, { accessToken: [] }],
          response: { 200: z.object({ providers: z.array(providerInfo) }), ...errorResponses(...publishableKeyErrors) },
        },
      },
      async (request) => {
        const tenant = request.headers.authorization
          ? await services.tenants.get((await requireAccessToken(services, request)).session.tenantId)
          : await requirePublishableKey(services, request);
        return { providers: services.oauthProviders.listFor(tenant) };
      },
    );

    app.post(
      '/v1/auth/flows',
      {
        schema: {
          tags: ['Sign-in'],
          summary: 'Start a sign-in that finishes elsewhere',
          description:
            "For `oauth`, `url` is the provider's page: open it in a popup (or redirect to it, with `returnTo` set to the page to come back to). For `magic_link`, a link is mailed (the same answer for any address) and `matchCode` is two digits for the chat to show: the link's page asks for them when opened in another browser. When the flow completes, every socket of the session gets `flow_completed`; redeem it once with `flowSecret`.",
          security: [{ accessToken: [] }],
          body: z.discriminatedUnion('method', [
            z
              .object({ method: z.literal('oauth'), provider: z.string().min(1).max(32), returnTo: z.string().min(1).max(2000).optional() })
              .strict(),
            z.object({ method: z.literal('magic_link'), email: z.string().min(1).max(320) }).strict(),
          ]),
          response: {
            201: z.object({
              flowId: z.string(),
              flowSecret: z.string(),
              expiresAt: z.number().int(),
              url: z.string().optional(),
              matchCode: z.string().optional(),
            }),
            ...errorResponses(...accessTokenErrors, 404, 409, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const { session } = await requireAccessToken(services, request);
        const context = { origin: request.headers.origin ?? null, publicUrl: publicUrlOf(services.config, request.server.server) };
        reply.status(201).header('cache-control', 'no-store');
        if (request.body.method === 'oauth') return reply.send(await signInFlows.start(session, request.body, context));
        const { browserKey, ...started } = await services.magicLinks.start(session, request.body.email, {
          ...context,
          ip: clientIpOf(request),
        });
        // The browser that asked: confirming the link there takes one click (where it keeps cookies of ours).
        const cookie = serializeCookie(magicLinkCookie(started.flowId), browserKey, {
          maxAgeSeconds: FLOW_TTL_MS / 1000,
          path: '/v1/auth/magic/',
          secure: context.publicUrl.startsWith('https:'),
        });
        return reply.header('set-cookie', cookie).send(started);
      },
    );

    app.get(
      '/v1/auth/flows/:flowId',
      {
        schema: {
          tags: ['Sign-in'],
          summary: 'The state of a sign-in flow of this session',
          security: [{ accessToken: [] }],
          params: flowParams,
          response: {
            200: z.object({ state: z.enum(['pending', 'completed', 'failed', 'expired']) }),
            ...errorResponses(...accessTokenErrors, 404),
          },
        },
      },
      async (request) => {
        const { session } = await requireAccessToken(services, request);
        return { state: await signInFlows.state(session, request.params.flowId) };
      },
    );

    app.get(
      '/v1/auth/oauth/:provider/callback',
      {
        schema: {
          tags: ['Sign-in'],
          summary: "A provider's redirect back",
          description:
            'Completes the flow its `state` names, once. Answers an HTML page that tells the chat that opened it (`postMessage` to the origin that started the flow) and closes; 410 `FLOW_EXPIRED` for a used or expired flow.',
          params: z.object({ provider: z.string().min(1).max(32) }),
          querystring: z.looseObject({}),
          response: {
            200: htmlPage('Signed in: the page tells the chat that opened it, and closes'),
            '4XX': htmlPage('The flow failed (e.g. 410 FLOW_EXPIRED, 403 FLOW_DENIED): the page says why'),
          },
        },
      },
      async (request, reply) => {
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
        const outcome = await signInFlows.callback(
          request.params.provider,
          new URLSearchParams(query),
          publicUrlOf(services.config, request.server.server),
        );
        return sendCallbackPage(reply, outcome);
      },
    );
  };
}
