import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TesseraError } from '../errors.js';
import type { Services } from '../services.js';
import type { IssuedTokens } from '../sessions/index.js';
import type { Session } from '../store/index.js';
import { describeUser } from '../tenancy/index.js';
import {
  ACCESS_COOKIE,
  ANON_COOKIE,
  ANON_COOKIE_MAX_AGE_SECONDS,
  anonymousIdOf,
  parseCookies,
  REFRESH_COOKIE,
  serializeCookie,
} from '../edge/cookies.js';
import { clientIpOf, requireAccessToken, requirePublishableKeyOf } from './guards.js';
import { optionalBody } from './optional-body.js';
import { accessTokenErrors, errorResponses, publishableKeyErrors } from './error-schema.js';
import { meSchema, noContent, sessionTokensSchema } from './schemas.js';

const REFRESH_COOKIE_PATH = '/v1/auth';

/** Anonymous sessions, refresh, logout and `me`: what browsers and apps call. */
export function sessionRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/sessions',
      {
        schema: {
          tags: ['Sessions'],
          summary: 'Start a session',
          description:
            'An anonymous session with a publishable key (`X-Tessera-Key`) from an allowed origin; or, with a partner\'s `initToken` and no key, a session started from one of that partner\'s allowed origins (signed in when a trusted partner asserts a user). Sets the `tessera_anon` cookie; with `tokenTransport: "cookie"` the refresh token goes into an httpOnly cookie.',
          security: [{ publishableKey: [] }, {}],
          body: optionalBody(
            z
              .object({ initToken: z.string().max(16_384).optional(), tokenTransport: z.enum(['body', 'cookie']).default('body') })
              .strict()
              .default({ tokenTransport: 'body' }),
          ),
          response: { 201: sessionTokensSchema, ...errorResponses(...publishableKeyErrors, 409) },
        },
      },
      async (request, reply) => {
        const anonymousId = anonymousIdOf(request.headers.cookie, services.anonymousCookies);
        if (request.body.initToken !== undefined) {
          // A partner's init token names the tenant itself; no publishable key needed.
          const started = await services.initTokens.startSession(
            request.body.initToken,
            request.headers.origin,
            clientIpOf(request),
            anonymousId,
          );
          setCookie(
            reply,
            request,
            ANON_COOKIE,
            services.anonymousCookies.seal(started.issued.session.anonymousId),
            ANON_COOKIE_MAX_AGE_SECONDS,
          );
          const body = tokensResponse(services, request, reply, started.issued, request.body.tokenTransport);
          const user = started.user;
          return reply
            .status(201)
            .send(user ? { ...body, session: services.sessions.describe(started.issued.session, user), user: describeUser(user) } : body);
        }
        const { key, tenant } = await requirePublishableKeyOf(services, request);
        await services.visitorLimits.admitSessionStart(tenant, { clientIp: clientIpOf(request), keyId: key.id });
        const issued = await services.sessions.startAnonymous(tenant, anonymousId);
        setCookie(reply, request, ANON_COOKIE, services.anonymousCookies.seal(issued.session.anonymousId), ANON_COOKIE_MAX_AGE_SECONDS);
        return reply.status(201).send(tokensResponse(services, request, reply, issued, request.body.tokenTransport));
      },
    );

    app.post(
      '/v1/auth/refresh',
      {
        schema: {
          tags: ['Sessions'],
          summary: 'Rotate a refresh token',
          description:
            'With `refreshToken` in the body, or the refresh cookie plus header `X-Tessera-CSRF: 1`. Every use rotates it; a reused one revokes the session.',
          body: optionalBody(
            z
              .object({ refreshToken: z.string().max(512).optional() })
              .strict()
              .default({}),
          ),
          response: { 200: sessionTokensSchema, ...errorResponses(...accessTokenErrors, 429) },
        },
      },
      async (request, reply) => {
        const fromCookie = request.body.refreshToken === undefined;
        const presented = request.body.refreshToken ?? refreshCookieOf(request);
        if (!presented) throw new TesseraError('UNAUTHENTICATED', 'refresh token required');
        assertCookieRules(request, fromCookie);
        const issued = await services.sessions.refresh(presented, (session) => assertSessionOrigin(services, request, session));
        return tokensResponse(services, request, reply, issued, fromCookie ? 'cookie' : 'body');
      },
    );

    app.post(
      '/v1/auth/logout',
      {
        schema: {
          tags: ['Sessions'],
          summary: 'Log out: revoke the session',
          description: 'With a bearer access token, or a refresh token. Closes its sockets.',
          body: optionalBody(
            z
              .object({ refreshToken: z.string().max(512).optional() })
              .strict()
              .optional(),
          ),
          response: {
            204: noContent.describe('Logged out; the refresh and access cookies are cleared'),
            ...errorResponses(...accessTokenErrors),
          },
        },
      },
      async (request, reply) => {
        const sessionId = await sessionToEnd(services, request);
        await services.sessions.revoke(sessionId, 'logout');
        for (const [name, path] of [
          [REFRESH_COOKIE, REFRESH_COOKIE_PATH],
          [ACCESS_COOKIE, '/'],
        ] as const) {
          reply.header('Set-Cookie', serializeCookie(name, '', { maxAgeSeconds: 0, path, secure: isSecure(request), sameSite: 'Strict' }));
        }
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/me',
      {
        schema: {
          tags: ['Sessions'],
          summary: 'The caller: session, user and custom claims',
          security: [{ accessToken: [] }],
          response: { 200: meSchema, ...errorResponses(...accessTokenErrors) },
        },
      },
      async (request) => {
        const { session } = await requireAccessToken(services, request);
        const user = await services.sessions.userOf(session);
        return { session: services.sessions.describe(session, user), user: user ? describeUser(user) : null, custom: user?.custom ?? {} };
      },
    );
  };
}

function refreshCookieOf(request: FastifyRequest): string | undefined {
  return parseCookies(request.headers.cookie)[REFRESH_COOKIE];
}

/** The refresh cookie also needs the CSRF header (which a cross-site form cannot send) and an Origin. */
function assertCookieRules(request: FastifyRequest, fromCookie: boolean): void {
  if (!fromCookie) return;
  if (request.headers['x-tessera-csrf'] !== '1')
    throw new TesseraError('FORBIDDEN', 'X-Tessera-CSRF header required with the refresh cookie');
  if (request.headers.origin === undefined) throw new TesseraError('UNAUTHENTICATED', 'a cookie alone is not accepted without an Origin');
}

/** A refresh token used from a browser must come from an allowed origin of its session's tenant. */
async function assertSessionOrigin(services: Services, request: FastifyRequest, session: Session): Promise<void> {
  const origin = request.headers.origin;
  if (origin !== undefined) await services.origins.assertSessionOrigin(await services.tenants.get(session.tenantId), origin);
}

async function sessionToEnd(services: Services, request: FastifyRequest<{ Body?: { refreshToken?: string } }>): Promise<string> {
  if (request.headers.authorization) return (await requireAccessToken(services, request)).session.id;
  const fromCookie = request.body?.refreshToken === undefined;
  const presented = request.body?.refreshToken ?? refreshCookieOf(request);
  if (!presented) throw new TesseraError('UNAUTHENTICATED', 'access token or refresh token required');
  assertCookieRules(request, fromCookie);
  const owner = await services.sessions.sessionOfRefreshToken(presented);
  if (owner) await assertSessionOrigin(services, request, owner);
  const session = await services.sessions.sessionActingFor(presented);
  if (!session) throw new TesseraError('INVALID_TOKEN', 'refresh token is not valid (or no longer)');
  return session.id;
}

/** The token response; in cookie transport the refresh token only travels in an httpOnly cookie. */
export function tokensResponse(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  issued: IssuedTokens,
  transport: 'body' | 'cookie',
) {
  const body = { accessToken: issued.accessToken, expiresAt: issued.expiresAt, session: services.sessions.describe(issued.session) };
  if (transport === 'body') return { ...body, refreshToken: issued.refreshToken };
  const maxAgeSeconds = Math.max(1, Math.floor((issued.session.absoluteExpiresAt - services.clock.now()) / 1000));
  setCookie(reply, request, REFRESH_COOKIE, issued.refreshToken, maxAgeSeconds, REFRESH_COOKIE_PATH, 'Strict');
  const accessMaxAge = Math.max(1, Math.floor((issued.expiresAt - services.clock.now()) / 1000));
  setCookie(reply, request, ACCESS_COOKIE, issued.accessToken, accessMaxAge, '/', 'Strict');
  return body;
}

function setCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  name: string,
  value: string,
  maxAgeSeconds: number,
  path = '/',
  sameSite: 'Strict' | 'Lax' = 'Lax',
): void {
  reply.header('Set-Cookie', serializeCookie(name, value, { maxAgeSeconds, path, secure: isSecure(request), sameSite }));
}

function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https' || (request.headers.origin?.startsWith('https:') ?? false);
}
