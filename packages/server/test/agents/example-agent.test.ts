import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersOf, PRODUCTS } from '../../../../examples/agent-backend/orders-api.mjs';
import { DEMO_PRODUCTS } from '../../src/agents/demo-catalog.js';
import { type ExampleAgent, startExampleAgent } from '../../src/cli/example-agent.js';
import { api, chat, connectAnonymous, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * examples/agent-backend as `tessera start --example-agent` runs it: a real child process,
 * answering a real Tessera's signed webhooks, its orders API checking tool tokens against our JWKS.
 */
describe('the example agent backend', () => {
  let server: TestServer;
  let agent: ExampleAgent;
  const email = 'orders@example.com';
  const password = 'a long enough password';

  beforeAll(async () => {
    server = await startTestServer();
    agent = await startExampleAgent(server.app.services, server.tenantId, server.url);
    const created = await api(server, 'POST', '/v1/auth/signup', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { email, password, name: 'Orla' },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await agent?.close();
    await server?.stop({ removeData: true });
  });

  it("sells the demo shop's products at the shop's prices", () => {
    expect(PRODUCTS).toEqual(DEMO_PRODUCTS.map(({ name, priceCents }) => ({ name, priceCents })));
    for (const order of ordersOf('someone') as Array<{ item: string; totalCents: number }>) {
      const product = DEMO_PRODUCTS.find((each) => order.item.startsWith(each.name));
      expect(product, order.item).toBeDefined();
      expect(order.totalCents % (product?.priceCents ?? 1)).toBe(0);
    }
  });

  it('configures the tenant: its agent URL on loopback, orders:read for signed-in users only', async () => {
    const tenant = await server.app.services.tenants.get(server.tenantId);
    expect(tenant.settings.agent).toMatchObject({ url: agent.url, scopes: { anonymous: [], user: ['orders:read'] } });
    expect(agent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/agent$/);
  });

  it('asks an anonymous visitor to sign in, then answers the same turn once with their own orders', async () => {
    const { socket } = await connectAnonymous(server);
    socket.send({ type: 'message', id: 'm1', content: 'show my orders' });
    const ack = await socket.next((frame) => frame.type === 'ack' && frame.id === 'm1');
    const asked = await socket.next((frame) => frame.type === 'auth_required', 10_000);
    expect(asked).toMatchObject({ replyTo: ack.messageId, reason: 'Sign in to see your orders' });
    socket.frames.splice(0); // the streamed "please sign in" and its final message

    socket.send({ type: 'authenticate', method: 'password', email, password });
    expect((await socket.nextOfType('authenticated')).user.id).toBe(email);
    const reply = await socket.next((frame) => frame.type === 'message' && frame.replyTo === ack.messageId, 10_000);
    const orders = ordersOf(email) as Array<{ id: string; item: string }>;
    expect(orders.length).toBeGreaterThan(0);
    for (const order of orders) expect(reply.content).toContain(`${order.id}: ${order.item}`);
    expect(reply.content).toContain('Your orders, Orla');
    const deltas = socket.frames.filter((frame) => frame.type === 'delta' && frame.replyTo === ack.messageId);
    expect(deltas.length).toBeGreaterThan(1); // streamed word by word
    expect(deltas.map((frame) => frame.content).join('')).toBe(reply.content);

    // Once: no second reply to that message, no second request to sign in.
    await socket.roundTrip();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      socket.frames.filter((frame) => frame.type === 'auth_required' || (frame.type === 'message' && frame.role === 'assistant')),
    ).toEqual([]);
    socket.close();
  });

  it('refuses a turn whose signature is not made with the tenant secret (401), and answers a genuine one', async () => {
    const body = JSON.stringify({
      type: 'turn',
      tenantId: server.tenantId,
      conversationId: 'conv_x',
      message: { id: 'msg_x', content: 'hello', createdAt: Date.now() },
      history: [],
      identity: { sessionId: 'sess_x', anonymousId: 'anon_x', userId: null, name: null, custom: {}, authTime: null, amr: [] },
      toolToken: 'x',
      toolTokenExpiresAt: Date.now() + 60_000,
    });
    const post = (secret: string | null, mutate: (headers: Record<string, string>) => void = () => undefined) => {
      const id = 'msg_test';
      const now = new Date();
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      };
      if (secret) headers['webhook-signature'] = new Webhook(secret).sign(id, now, body);
      mutate(headers);
      return fetch(agent.url, { method: 'POST', headers, body });
    };
    const otherSecret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    expect((await post(otherSecret)).status).toBe(401);
    expect((await post(null)).status).toBe(401);
    const [secret] = await server.app.services.agentSecrets.signing(server.tenantId);
    const stale = await post(secret, (headers) => {
      headers['webhook-timestamp'] = String(Math.floor(Date.now() / 1000) - 3600);
    });
    expect(stale.status).toBe(401);
    const genuine = await post(secret);
    expect(genuine.status).toBe(200);
    expect((await genuine.json()).reply).toContain('hello');
  });

  it("serves orders only for a tool token of this tenant's audience with orders:read, for its uid", async () => {
    const { toolTokens } = server.app.services;
    const ordersUrl = agent.url.replace(/\/agent$/, '/orders');
    const tenant = await server.app.services.tenants.get(server.tenantId);
    const audience = (tenant.settings.agent as { toolAudience?: string }).toolAudience ?? `tessera:tools:${server.tenantId}`;
    const claims = {
      sub: 'usr_x',
      uid: 'alice',
      sid: 'sess_x',
      ver: 1,
      cid: 'conv_x',
      scope: 'orders:read',
      act: { sub: 'agent' },
    };
    const get = async (input: Record<string, unknown>) => {
      const { token } = await toolTokens.sign({ ...claims, aud: audience, ...input } as never, Date.now());
      return fetch(ordersUrl, { headers: { authorization: `Bearer ${token}` } });
    };

    const ok = await get({});
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ userId: 'alice', orders: ordersOf('alice') });

    const wrongAudience = await get({ aud: 'tessera:tools:ten_someone_else' });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await get({ scope: '' })).status).toBe(403);
    const { uid: _none, ...anonymous } = claims;
    const anonymousResponse = await fetch(ordersUrl, {
      headers: { authorization: `Bearer ${(await toolTokens.sign({ ...anonymous, aud: audience } as never, Date.now())).token}` },
    });
    expect(anonymousResponse.status).toBe(403);
    // An access token is not a tool token (typ), even from the same key.
    const session = await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': server.publishableKey }, body: {} });
    expect((await fetch(ordersUrl, { headers: { authorization: `Bearer ${session.body.accessToken}` } })).status).toBe(401);
    expect((await fetch(ordersUrl)).status).toBe(401);
  });

  it('gives the tenant back to the built-in agent and stops the process on close', async () => {
    const url = agent.url;
    await agent.close();
    const tenant = await server.app.services.tenants.get(server.tenantId);
    expect((tenant.settings.agent as { url: string | null }).url).toBeNull();
    await expect(fetch(url.replace(/\/agent$/, '/healthz'))).rejects.toThrow();

    // The next run takes over again, with the secret the first one made (it was shown once, to it).
    agent = await startExampleAgent(server.app.services, server.tenantId, server.url);
    const { socket } = await connectAnonymous(server);
    const { reply } = await chat(socket, 'm1', 'hello there');
    expect(reply.content).toBe('You said: "hello there". Ask me about your orders.');
    socket.close();
  });

  it("refuses to replace a tenant's own agent", async () => {
    await agent.close();
    await server.app.services.tenants.updateSettings(server.tenantId, { agent: { url: 'https://agent.example.com/turn' } });
    await expect(startExampleAgent(server.app.services, server.tenantId, server.url)).rejects.toThrow(/would replace/);
  });
});
