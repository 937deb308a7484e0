import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { parseCookies, serializeCookie } from '../edge/cookies.js';
import { publicUrlOf } from '../edge/public-url.js';
import {
  DEMO_ISSUER,
  DEMO_OIDC_CLIENT_ID,
  DEMO_OIDC_PATH,
  DEMO_OIDC_PROVIDER_ID,
  demoOidcClientSecret,
  prepareDemo,
  type DemoSetup,
} from './demo-setup.js';
import { createDemoOidcProvider, type DemoOidcProvider } from './oidc-demo-provider.js';
import { DEMO_USERS, isDemoUserKey, type DemoUserKey } from './demo-users.js';
import { signHs256, timedClaims } from './hs256.js';
import { shopPage } from './pages.js';
import { mailboxOf, type Mailbox } from '../mail/mailbox.js';
import { mailboxPage } from './mailbox-page.js';

const SHOP_COOKIE = 'demo_shop_user';
const SHOP_COOKIE_MAX_AGE_SECONDS = 7 * 24 * 3600;
const IDENTITY_TOKEN_LIFETIME_SECONDS = 120;

export interface DemoRoutesOptions {
  /** The partner demo page's URL, linked from the shop (cli.ts knows its port). */
  partnerUrl?: () => string | null;
}

/**
 * The demo: the shop page at `/` with its own pretend login (`/demo/*`), embedding
 * the widget (`/widget.js`, see http/widget-routes.ts), and a demo OpenID provider at
 * `/demo/oidc` for "Continue with the demo provider", and the mailbox at `/demo/mailbox` when mail
 * is kept there (no SMTP). Registered only when `config.demo` is on.
 */
export function demoRoutes(services: Services, options: DemoRoutesOptions = {}): FastifyPluginAsync {
  return async (app) => {
    const hide = { schema: { hide: true } };
    const publicUrl = () => publicUrlOf(services.config, app.server);
    const requireSetup = () => requireSetupOf(services, publicUrl());

    await app.register(demoOidcRoutes(services, publicUrl));
    const mailbox = mailboxOf(services.mail);
    if (mailbox) await app.register(demoMailboxRoutes(mailbox));
    // Ready before the first visitor: the tenant knows the demo provider even if `/` was never shown.
    app.addHook('onListen', async () => {
      await prepareDemo(services, publicUrl()).catch((error: unknown) => services.logger.warn({ err: error }, 'demo: preparation failed'));
    });

    app.get('/', hide, async (_request, reply) => {
      const setup = await prepareDemo(services, publicUrl());
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      if (!setup) return reply.status(503).send('<!doctype html><p>Tessera is not initialised yet: run <code>npx tessera init</code>.</p>');
      return shopPage({
        publishableKey: setup.publishableKey,
        partnerUrl: options.partnerUrl?.() ?? null,
        identityEnabled: setup.identityEnabled,
        mailboxUrl: mailbox ? '/demo/mailbox' : null,
      });
    });

    app.get('/demo/session', hide, async (request) => {
      const setup = await requireSetup();
      const key = shopUserOf(request, setup);
      return { user: key ? DEMO_USERS[key] : null };
    });

    app.post('/demo/login', hide, async (request, reply) => {
      const setup = await requireSetup();
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
      const setup = await requireSetup();
      const key = shopUserOf(request, setup);
      if (!key) return reply.status(401).send({ error: { code: 'UNAUTHENTICATED', message: 'log in to the shop first' } });
      return { identityToken: identityToken(services, setup, key) };
    });
  };
}

/**
 * The demo OpenID provider under `/demo/oidc` (issuer `{publicUrl}/demo/oidc`), made on first
 * use (the port is known then). Fastify leaves the requests alone: no body parsing (the
 * provider reads its own form posts), no reply; the provider answers on the raw response.
 */
function demoOidcRoutes(services: Services, publicUrl: () => string): FastifyPluginAsync {
  return async (app) => {
    let provider: DemoOidcProvider | undefined;
    const demoProvider = () => {
      provider ??= createDemoOidcProvider({
        issuer: `${publicUrl()}${DEMO_OIDC_PATH}`,
        clients: [
          {
            clientId: DEMO_OIDC_CLIENT_ID,
            clientSecret: demoOidcClientSecret(services.config.dataDir),
            redirectUris: [`${publicUrl()}/v1/auth/oauth/${DEMO_OIDC_PROVIDER_ID}/callback`],
          },
        ],
      });
      return provider;
    };
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      const handler = demoProvider().handler;
      reply.hijack();
      handler(request.raw, reply.raw);
    };
    const hide = { schema: { hide: true } };
    app.all(DEMO_OIDC_PATH, hide, serve);
    app.all(`${DEMO_OIDC_PATH}/*`, hide, serve);
    app.addHook('onClose', async () => provider?.close());
  };
}

/** The demo mailbox: the mail this server kept instead of sending it, as a page and as JSON (newest first). */
function demoMailboxRoutes(mailbox: Mailbox): FastifyPluginAsync {
  return async (app) => {
    const hide = { schema: { hide: true } };
    app.get('/demo/mailbox', hide, async (_request, reply) => {
      reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        )
        .type('text/html; charset=utf-8');
      return mailboxPage(await mailbox.list());
    });
    app.get('/demo/mailbox.json', hide, async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { mails: await mailbox.list() };
    });
  };
}

async function requireSetupOf(services: Services, publicUrl: string): Promise<DemoSetup> {
  const setup = await prepareDemo(services, publicUrl);
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
