import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcTestProvider } from '../support/oidc-test-provider.js';
import { api, connect, startAnonymousSession, type TestServer } from '../support/test-server.js';
import { addOidcProvider, bearer, CLIENT_SECRET, completeFlow, registerProvider, startFlowServer } from './flow-support.js';

describe('identities: the ways a user signs in', () => {
  let server: TestServer;
  const providers: OidcTestProvider[] = [];

  beforeAll(async () => {
    server = await startFlowServer();
    providers.push(await addOidcProvider(server, 'acme', 'ada'));
    providers.push(await addOidcProvider(server, 'orbit', 'grace'));
  });
  afterAll(async () => {
    await Promise.all(providers.map((provider) => provider.stop()));
    await server?.stop({ removeData: true });
  });

  const asAdmin = () => bearer(server.secretKey);
  const redeem = (accessToken: string, flow: { flowId: string; flowSecret: string }) =>
    api(server, 'POST', '/v1/auth/link', {
      headers: bearer(accessToken),
      body: { method: 'flow', flowId: flow.flowId, flowSecret: flow.flowSecret },
    });
  const signInWith = async (provider: string, accessToken?: string) => {
    const token = accessToken ?? (await startAnonymousSession(server)).accessToken;
    const flow = await completeFlow(server, token, provider);
    const linked = await redeem(token, flow);
    return { ...linked, flow };
  };
  const identitiesOf = async (userId: string) =>
    (await api(server, 'GET', `/v1/users/${encodeURIComponent(userId)}`, { headers: asAdmin() })).body.identities as Array<{
      id: string;
      kind: string;
      provider?: string;
    }>;

  it('a signed-in user connects another provider: a re-authentication, no socket closed; either provider then signs them in', async () => {
    const first = await signInWith('acme');
    expect(first.body.user.id).toBe('acme:ada');
    const socket = connect(server, { token: first.body.accessToken });
    await socket.nextOfType('ready');

    const connected = await signInWith('orbit', first.body.accessToken);
    expect(connected.status).toBe(200);
    expect(connected.body.user.id).toBe('acme:ada');
    // Same user: the session's version is unchanged and its socket stays open.
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(first.body.accessToken) })).status).toBe(200);
    expect(socket.closeCode).toBeNull();
    expect((await identitiesOf('acme:ada')).map((identity) => identity.provider)).toEqual(['acme', 'orbit']);

    const elsewhere = await signInWith('orbit');
    expect(elsewhere.body.user.id).toBe('acme:ada');
    socket.close();
  });

  it('an account held by another user cannot be connected: the flow fails CONFLICT, the session stays who it was', async () => {
    const session = await startAnonymousSession(server);
    const signedUp = await api(server, 'POST', '/v1/auth/signup', {
      headers: bearer(session.accessToken),
      body: { email: 'someone@example.com', password: 'correct horse battery staple' },
    });
    expect(signedUp.status).toBe(201);
    const socket = connect(server, { token: signedUp.body.accessToken });
    await socket.nextOfType('ready');
    const flow = await completeFlow(server, signedUp.body.accessToken, 'acme'); // acme:ada is someone else
    expect(flow.page.status).toBe(409);
    expect(await socket.nextOfType('flow_failed')).toMatchObject({ code: 'CONFLICT' });
    expect((await redeem(signedUp.body.accessToken, flow)).status).toBe(410);
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(signedUp.body.accessToken) })).body.user.id).toBe('someone@example.com');
    expect((await identitiesOf('someone@example.com')).map((identity) => identity.kind)).toEqual(['password']);
    socket.close();
  });

  it("never removes a user's last way to sign in", async () => {
    const identities = await identitiesOf('acme:ada');
    expect(identities).toHaveLength(2);
    const remove = (identityId: string) => api(server, 'DELETE', `/v1/users/acme:ada/identities/${identityId}`, { headers: asAdmin() });
    expect((await remove(identities[0].id)).status).toBe(204);
    expect(await remove(identities[1].id)).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect(await remove('idn_unknown')).toMatchObject({ status: 404 });
    // The removed provider account no longer signs ada in: it makes a new user.
    const again = await signInWith(identities[0].provider!);
    expect(again.status).toBe(200);
    expect(again.body.user.id).toMatch(/^usr_/);
  });

  it('users created by the customer or with a password have their identity; export and erasure cover identities', async () => {
    const minted = await api(server, 'POST', '/v1/auth/tokens', { headers: asAdmin(), body: { userId: 'customer-7', name: 'Seven' } });
    expect(minted.status).toBe(201);
    expect((await identitiesOf('customer-7')).map((identity) => identity.kind)).toEqual(['external']);

    const exported = await api(server, 'GET', '/v1/users/acme:ada/export', { headers: asAdmin() });
    expect(exported.body.identities.map((identity: { provider: string }) => identity.provider)).toEqual(['orbit']);
    const erased = await api(server, 'DELETE', '/v1/users/acme:ada', { headers: asAdmin() });
    expect(erased.body.deleted).toMatchObject({ users: 1, identities: 1 });
    // The provider account is free again: it makes a new user.
    expect((await signInWith('orbit')).body.user.id).toBe('orbit:grace');
  });

  it('joins an account of the same verified email only when the tenant opted in', async () => {
    const signup = await api(server, 'POST', '/v1/auth/signup', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { email: 'ada@example.com', password: 'correct horse battery staple' },
    });
    expect(signup.status).toBe(201);
    providers.push(await addOidcProvider(server, 'separate', 'ada'));
    expect((await signInWith('separate')).body.user.id).toBe('separate:ada');

    providers.push(await addOidcProvider(server, 'joined', 'ada', { linkByVerifiedEmail: true }));
    expect((await signInWith('joined')).body.user.id).toBe('ada@example.com');
    expect((await identitiesOf('ada@example.com')).map((identity) => identity.kind)).toEqual(['password', 'oauth']);
  });

  it('keeps a client secret sealed: needed for a new provider, kept when left out, refused over http', async () => {
    const patch = (providers: unknown[]) => api(server, 'PATCH', '/v1/settings', { headers: asAdmin(), body: { oauth: { providers } } });
    const base = { kind: 'oidc', issuer: 'https://login.example.com', clientId: 'c' };
    expect((await patch([{ id: 'fresh', ...base }])).status).toBe(400);
    expect((await patch([{ id: 'plain', ...base, issuer: 'http://login.example.com', clientSecret: 's' }])).status).toBe(400);
    expect(
      (
        await patch([
          { id: 'twin', ...base, clientSecret: 's' },
          { id: 'twin', ...base, clientSecret: 's' },
        ])
      ).status,
    ).toBe(400);

    // Re-sent without its secret, a provider keeps the one it had and still signs people in.
    const current = await api(server, 'GET', '/v1/settings', { headers: asAdmin() });
    const kept = current.body.oauth.providers.map(({ clientSecret: _hidden, ...provider }: Record<string, unknown>) => provider);
    expect((await patch(kept)).status).toBe(200);
    expect((await signInWith('joined')).body.user.id).toBe('ada@example.com');
    const stored = await server.app.services.store.tenants.get(server.tenantId);
    expect(JSON.stringify(stored?.settings)).not.toContain(CLIENT_SECRET);
    // A provider on this machine may be plain http in the settings, and still signs nobody in unless the server allows it (`--demo`).
    await registerProvider(server, { id: 'local', kind: 'oidc', issuer: 'http://localhost:9/', clientId: 'c', clientSecret: 's' });
    const session = await startAnonymousSession(server);
    expect(
      await api(server, 'POST', '/v1/auth/flows', { headers: bearer(session.accessToken), body: { method: 'oauth', provider: 'local' } }),
    ).toMatchObject({
      status: 503,
      body: { error: { code: 'UNAVAILABLE', message: 'provider local: its issuer must be https' } },
    });
    await registerProvider(server, { id: 'joined', kind: 'oidc', issuer: 'https://login.example.com', clientId: 'c', clientSecret: 's' });
  });
});
