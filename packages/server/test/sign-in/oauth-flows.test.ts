import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcTestProvider } from '../support/oidc-test-provider.js';
import { api, connect, connectAnonymous, ORIGIN, startAnonymousSession, type TestServer } from '../support/test-server.js';
import { addOidcProvider, bearer, completeFlow, deliverCallback, followToCallback, startFlow, startFlowServer } from './flow-support.js';

describe('sign-in flows with a real OpenID provider', () => {
  let server: TestServer;
  let acme: OidcTestProvider;

  beforeAll(async () => {
    server = await startFlowServer();
    acme = await addOidcProvider(server, 'acme', 'ada');
  });
  afterAll(async () => {
    await acme?.stop();
    await server?.stop({ removeData: true });
  });

  it('lists the providers a chat can offer, never their secrets', async () => {
    const listed = await api(server, 'GET', '/v1/auth/providers', { headers: { 'x-tessera-key': server.publishableKey } });
    expect(listed.body).toEqual({ providers: [{ id: 'acme', kind: 'oidc', name: 'acme' }] });
    const settings = await api(server, 'GET', '/v1/settings', { headers: bearer(server.secretKey) });
    expect(settings.body.oauth.providers[0]).toMatchObject({ id: 'acme', clientSecret: '[set]' });
    expect(JSON.stringify(settings.body)).not.toContain('acme-client-secret');
    expect(JSON.stringify(settings.body)).not.toContain('clientSecretSealed');
  });

  it('anonymous chat → provider → the same conversation continues as the user, signed in on the same socket', async () => {
    const { socket, session } = await connectAnonymous(server);
    socket.send({ type: 'message', id: 'before-1', content: 'where is my order?' });
    const ack = await socket.nextOfType('ack');
    await socket.nextOfType('message');

    const started = await startFlow(server, session.accessToken, 'acme');
    expect(started.status).toBe(201);
    const authorization = new URL(started.body.url);
    expect(authorization.origin).toBe(acme.issuer);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorization.searchParams.get('state')).toMatch(/^\w{43}$/);
    expect(authorization.searchParams.get('nonce')).toBeTruthy();
    // Nothing the chat must keep secret travels to the provider.
    expect(started.body.url).not.toContain(started.body.flowSecret);
    expect(await api(server, 'GET', `/v1/auth/flows/${started.body.flowId}`, { headers: bearer(session.accessToken) })).toMatchObject({
      body: { state: 'pending' },
    });

    const page = await deliverCallback(server, await followToCallback(started.body.url));
    expect(page.status).toBe(200);
    expect(page.html).toContain('You can close this window');
    expect(page.html).toContain(JSON.stringify(ORIGIN)); // postMessage only to the origin that started the flow
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await socket.nextOfType('flow_completed')).toEqual({ type: 'flow_completed', flowId: started.body.flowId });

    socket.send({ type: 'authenticate', method: 'flow', flowId: started.body.flowId, flowSecret: started.body.flowSecret, id: 'a1' });
    const authenticated = await socket.nextOfType('authenticated');
    expect(authenticated).toMatchObject({ id: 'a1', user: { id: 'acme:ada', name: 'Ada Lovelace' } });
    expect(decodeJwt(authenticated.accessToken)).toMatchObject({ auth: 'user', uid: 'acme:ada', amr: ['fed'] });

    // The socket stays open as the user's; the conversation and its history carry on.
    socket.send({ type: 'message', id: 'after-1', content: 'who am I?' });
    const after = await socket.nextOfType('ack');
    expect(after.conversationId).toBe(ack.conversationId);
    const history = await api(server, 'GET', `/v1/conversations/${ack.conversationId}/messages`, {
      headers: bearer(authenticated.accessToken),
    });
    expect(history.body.messages.map((m: { content: string }) => m.content)).toContain('where is my order?');
    // The anonymous credentials are dead.
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(session.accessToken) })).status).toBe(401);
    expect((await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401);
    socket.close();

    const user = await api(server, 'GET', '/v1/users/acme:ada', { headers: bearer(server.secretKey) });
    expect(user.body.identities).toEqual([
      {
        id: expect.stringMatching(/^idn_/),
        kind: 'oauth',
        provider: 'acme',
        subject: 'ada',
        email: 'ada@example.com',
        createdAt: expect.any(Number),
      },
    ]);
  });

  it('redeems over HTTP once: a wrong secret leaves the flow for the right one; a second redemption is FLOW_EXPIRED', async () => {
    const session = await startAnonymousSession(server);
    const flow = await completeFlow(server, session.accessToken, 'acme');
    expect(flow.page.status).toBe(200);
    expect((await api(server, 'GET', `/v1/auth/flows/${flow.flowId}`, { headers: bearer(session.accessToken) })).body.state).toBe(
      'completed',
    );

    const link = (flowSecret: string, token = session.accessToken) =>
      api(server, 'POST', '/v1/auth/link', { headers: bearer(token), body: { method: 'flow', flowId: flow.flowId, flowSecret } });
    const wrong = await link(`${flow.flowSecret.slice(0, -1)}${flow.flowSecret.endsWith('x') ? 'y' : 'x'}`);
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'INVALID_CREDENTIALS' } } });
    const linked = await link(flow.flowSecret);
    expect(linked.status).toBe(200);
    expect(linked.body.user.id).toBe('acme:ada');
    const again = await link(flow.flowSecret, linked.body.accessToken);
    expect(again).toMatchObject({ status: 410, body: { error: { code: 'FLOW_EXPIRED' } } });
    expect((await api(server, 'GET', `/v1/auth/flows/${flow.flowId}`, { headers: bearer(linked.body.accessToken) })).body.state).toBe(
      'expired',
    );
  });

  it("tells every socket of the session, and only that session's", async () => {
    const session = await startAnonymousSession(server);
    const [first, second] = [connect(server, { token: session.accessToken }), connect(server, { token: session.accessToken })];
    const stranger = await connectAnonymous(server);
    await Promise.all([first.nextOfType('ready'), second.nextOfType('ready')]);
    const flow = await completeFlow(server, session.accessToken, 'acme');
    await expect(first.nextOfType('flow_completed')).resolves.toMatchObject({ flowId: flow.flowId });
    await expect(second.nextOfType('flow_completed')).resolves.toMatchObject({ flowId: flow.flowId });
    // Redeemed on the first socket: it stays, the other is closed as after any sign-in.
    first.send({ type: 'authenticate', method: 'flow', flowId: flow.flowId, flowSecret: flow.flowSecret });
    await first.nextOfType('authenticated');
    expect((await second.closed).code).toBe(4002);
    expect(stranger.socket.frames.some((frame) => frame.type === 'flow_completed')).toBe(false);
    first.close();
    stranger.socket.close();
  });
});
