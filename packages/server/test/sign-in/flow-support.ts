import { expect } from 'vitest';
import type { SettingsPatch } from '../../src/tenancy/settings.js';
import { type OidcTestProvider, startOidcProvider } from '../support/oidc-test-provider.js';
import { api, type ManualClock, type TestServer, startTestServer } from '../support/test-server.js';

export const CLIENT_SECRET = 'acme-client-secret-0123456789';

/** Where the server tells providers to send the person back (its default public URL names localhost). */
export const callbackOf = (server: TestServer, provider: string) =>
  `${server.url.replace('127.0.0.1', 'localhost')}/v1/auth/oauth/${provider}/callback`;

/** A local OpenID provider whose every authorization signs in `sub`, registered with the server as `id`. */
export async function addOidcProvider(
  server: TestServer,
  id: string,
  sub: string,
  options: { linkByVerifiedEmail?: boolean } = {},
): Promise<OidcTestProvider> {
  const provider = await startOidcProvider({
    clients: [{ clientId: `tessera-${id}`, clientSecret: CLIENT_SECRET, redirectUris: [callbackOf(server, id)] }],
    autoLogin: sub,
  });
  await registerProvider(
    server,
    { id, kind: 'oidc', name: id, issuer: provider.issuer, clientId: `tessera-${id}`, clientSecret: CLIENT_SECRET },
    options,
  );
  return provider;
}

type ProviderSettings = NonNullable<NonNullable<SettingsPatch['oauth']>['providers']>[number];

/** Adds (or replaces) one provider in the tenant's settings, keeping the others. */
export async function registerProvider(server: TestServer, provider: ProviderSettings, options: { linkByVerifiedEmail?: boolean } = {}) {
  const current = await api(server, 'GET', '/v1/settings', { headers: { authorization: `Bearer ${server.secretKey}` } });
  const others = (current.body.oauth?.providers ?? [])
    .filter((existing: { id: string }) => existing.id !== provider.id)
    .map(({ clientSecret: _hidden, ...rest }: Record<string, unknown>) => rest);
  const patch: SettingsPatch = {
    oauth: {
      providers: [...others, provider],
      ...(options.linkByVerifiedEmail !== undefined ? { linkByVerifiedEmail: options.linkByVerifiedEmail } : {}),
    },
  };
  const patched = await api(server, 'PATCH', '/v1/settings', { headers: { authorization: `Bearer ${server.secretKey}` }, body: patch });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
}

export async function startFlowServer(options: { clock?: ManualClock } = {}) {
  return startTestServer({ config: options.clock ? { clock: options.clock } : {} });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** `POST /v1/auth/flows` for an oauth provider. */
export async function startFlow(server: TestServer, accessToken: string, provider: string, extra: { returnTo?: string } = {}) {
  return api(server, 'POST', '/v1/auth/flows', { headers: bearer(accessToken), body: { method: 'oauth', provider, ...extra } });
}

/** Follows the provider's redirects (as a browser would, signing in and consenting) to the callback URL it sends back. */
export async function followToCallback(url: string): Promise<URL> {
  let next = url;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(next, { redirect: 'manual' });
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (!location) throw new Error(`the provider stopped at ${next} with ${response.status}`);
    const target = new URL(location, next);
    if (target.pathname.includes('/v1/auth/oauth/')) return target;
    next = target.href;
  }
  throw new Error('too many redirects');
}

/** Delivers a provider's redirect to the server, as the person's browser would. */
export async function deliverCallback(server: TestServer, callback: URL | string) {
  const url = new URL(callback);
  const response = await fetch(`${server.url}${url.pathname}${url.search}`, { redirect: 'manual' });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** A flow started, signed in at the provider, the callback delivered: what the chat then holds. */
export async function completeFlow(server: TestServer, accessToken: string, provider: string) {
  const started = await startFlow(server, accessToken, provider);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const callback = await followToCallback(started.body.url);
  const page = await deliverCallback(server, callback);
  return { ...(started.body as { flowId: string; flowSecret: string; url: string; expiresAt: number }), callback, page };
}
