import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { parseCookies, serializeCookie } from '../edge/cookies.js';
import { DEMO_ISSUER, prepareDemo, type DemoSetup } from './demo-setup.js';
import { DEMO_USERS, isDemoUserKey, type DemoUserKey } from './demo-users.js';
import { signHs256, timedClaims } from './hs256.js';
import { shopPage } from './pages.js';

const SHOP_COOKIE = 'demo_shop_user';
const SHOP_COOKIE_MAX_AGE_SECONDS = 7 * 24 * 3600;
const IDENTITY_TOKEN_LIFETIME_SECONDS = 120;

export interface DemoRoutesOptions {
  /** The partner demo page's URL, linked from the shop (cli.ts knows its port). */
  partnerUrl?: () => string | null;
}

/**
 * The demo: the shop page at `/` with its own pretend login (`/demo/*`), embedding
 * the widget (`/widget.js`, see http/widget-routes.ts). Registered only when
 * `config.demo` is on.
 */
export function demoRoutes(services: Services, options: DemoRoutesOptions = {}): FastifyPluginAsync {
  return async (app) => {
    const hide = { schema: { hide: true } };

    app.get('/', hide, async (_request, reply) => {
      const setup = await prepareDemo(services);
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      if (!setup) return reply.status(503).send('<!doctype html><p>Tessera is not initialised yet: run <code>npx tessera init</code>.</p>');
      return shopPage({
        publishableKey: setup.publishableKey,
        partnerUrl: options.partnerUrl?.() ?? null,
        identityEnabled: setup.identityEnabled,
      });
    });

    app.get('/demo/session', hide, async (request) => {
      const setup = await requireSetup(services);
      const key = shopUserOf(request, setup);
      return { user: key ? DEMO_USERS[key] : null };
    });

    app.post('/demo/login', hide, async (request, reply) => {
      const setup = await requireSetup(services);
      const requested = (request.body as { user?: unknown } | undefined)?.user;
      if (!isDemoUserKey(requested))
        return reply
          .status(400)
          .send({ error: { code: 'BAD_REQUEST', message: `user must be one of ${Object.keys(DEMO_USERS).join(', ')}` } });
      reply.header(
        'set-cookie',
        serializeCookie(SHOP_COOKIE, `${requested}.${mac(setup, requested)}`, {
          maxAgeSeconds: SHOP_COOKIE_MAX_AGE_SECONDS,
          secure: false,
        }),
      );
      return { user: DEMO_USERS[requested], identityToken: identityToken(services, setup, requested) };
    });

    app.post('/demo/logout', hide, async (_request, reply) => {
      reply.header('set-cookie', serializeCookie(SHOP_COOKIE, '', { maxAgeSeconds: 0, secure: false }));
      return reply.status(204).send();
    });

    /** A fresh identity token for the shop's logged-in user (e.g. after a page load). */
    app.post('/demo/identity-token', hide, async (request, reply) => {
      const setup = await requireSetup(services);
      const key = shopUserOf(request, setup);
      if (!key) return reply.status(401).send({ error: { code: 'UNAUTHENTICATED', message: 'log in to the shop first' } });
      return { identityToken: identityToken(services, setup, key) };
    });
  };
}

async function requireSetup(services: Services): Promise<DemoSetup> {
  const setup = await prepareDemo(services);
  if (!setup) throw Object.assign(new Error('Tessera is not initialised'), { statusCode: 503 });
  return setup;
}

/** What the customer's own app does on login: an identity token naming its user, signed with its key. */
function identityToken(services: Services, setup: DemoSetup, key: DemoUserKey): string {
  const user = DEMO_USERS[key];
  return signHs256(
    {
      iss: DEMO_ISSUER,
      aud: setup.tenantId,
      sub: user.id,
      name: user.name,
      ...timedClaims(services.clock.now(), IDENTITY_TOKEN_LIFETIME_SECONDS),
    },
    setup.identitySecret,
  );
}

function mac(setup: DemoSetup, value: string): string {
  return createHmac('sha256', setup.identitySecret).update(`demo-shop:${value}`).digest('base64url');
}

function shopUserOf(request: FastifyRequest, setup: DemoSetup): DemoUserKey | null {
  const cookie = parseCookies(request.headers.cookie)[SHOP_COOKIE];
  if (!cookie) return null;
  const [key, signature = ''] = cookie.split('.');
  const expected = Buffer.from(mac(setup, key));
  const given = Buffer.from(signature);
  return isDemoUserKey(key) && given.length === expected.length && timingSafeEqual(given, expected) ? key : null;
}
