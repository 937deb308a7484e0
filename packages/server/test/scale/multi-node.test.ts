import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { type Cluster, metricValue, type Nginx, nginxInstalled, request, startCluster, startNginx } from '../support/cluster.js';
import { createTestDatabase, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDatabase } from '../support/postgres.js';
import { connect, ORIGIN, type TestSocket } from '../support/test-server.js';
import { chatResiliently } from '../support/chat-client.js';
import { sendEvent, sleep, startStream, TestAgentServer } from '../agents/agent-server.js';
import { followToCallback } from '../sign-in/flow-support.js';
import { startOidcProvider } from '../support/oidc-test-provider.js';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server.js';

const enabled = Boolean(TEST_DATABASE_URL && TEST_REDIS_URL && nginxInstalled());

/** A socket to one node (or to nginx) with a bearer token, opened and ready. */
async function socketTo(wsUrl: string, token: string): Promise<TestSocket> {
  const socket = connect({ wsUrl } as never, { token });
  await socket.nextOfType('ready');
  return socket;
}

describe.skipIf(!enabled)('many nodes: two processes on one PostgreSQL and one Redis, behind nginx', { timeout: 90_000 }, () => {
  let database: TestDatabase;
  let cluster: Cluster;
  let nginx: Nginx;
  let smtp: SmtpTestServer;
  let a: string;
  let b: string;
  const wsOf = (base: string) => `${base.replace(/^http/, 'ws')}/v1/ws`;

  beforeAll(async () => {
    assertBuilt();
    database = await createTestDatabase();
    smtp = await startSmtpTestServer();
    cluster = await startCluster({
      databaseUrl: database.url,
      redisUrl: TEST_REDIS_URL!,
      origin: ORIGIN,
      env: { TESSERA_SMTP_URL: smtp.url },
    });
    [a, b] = cluster.nodes.map((node) => node.url) as [string, string];
    nginx = await startNginx(cluster.nodes.map((node) => node.port));
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await cluster?.stop();
    await database?.drop();
    await smtp?.stop();
  });

  const startSession = async (base: string) => {
    const response = await request(base, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': cluster.publishableKey }, body: {} });
    expect(response.status).toBe(201);
    return response.body as { accessToken: string; refreshToken: string; session: { id: string } };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('a session started through one node is used through the other', async () => {
    const session = await startSession(a);
    const me = await request(b, 'GET', '/v1/me', { headers: bearer(session.accessToken) });
    expect(me.status).toBe(200);
    expect(me.body.session.id).toBe(session.session.id);
    const refreshed = await request(b, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refreshed.status).toBe(200);
    const socket = await socketTo(wsOf(a), refreshed.body.accessToken);
    socket.send({ type: 'message', id: 'hello-1', content: 'hello from node A' });
    const ack = await socket.nextOfType('ack');
    socket.close();
    const history = await request(b, 'GET', `/v1/conversations/${ack.conversationId}/messages`, {
      headers: bearer(refreshed.body.accessToken),
    });
    expect(history.status).toBe(200);
    expect(history.body.messages.map((m: { id: string }) => m.id)).toContain(ack.messageId);

    // Through nginx, round-robin: the same token works on whichever node answers.
    for (let i = 0; i < 4; i++)
      expect((await request(nginx.url, 'GET', '/v1/me', { headers: bearer(refreshed.body.accessToken) })).status).toBe(200);
    expect(new Set(nginx.upstreamsOf('/v1/me')).size).toBe(2);
  });

  it('logout on node A closes a socket held on node B within one second, and the token dies on B', async () => {
    const session = await startSession(a);
    expect((await request(b, 'GET', '/v1/me', { headers: bearer(session.accessToken) })).status).toBe(200); // cached on B
    const socket = await socketTo(wsOf(b), session.accessToken);
    const started = Date.now();
    expect((await request(a, 'POST', '/v1/auth/logout', { headers: bearer(session.accessToken), body: {} })).status).toBe(204);
    const closed = await socket.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(closed).toEqual({ code: 1000, reason: 'LOGGED_OUT' });
    const me = await request(b, 'GET', '/v1/me', { headers: bearer(session.accessToken) });
    expect(me.status).toBe(401);
  });

  it('a revocation from the backend on node B closes the socket held on node A', async () => {
    const session = await startSession(b);
    const socket = await socketTo(wsOf(a), session.accessToken);
    const started = Date.now();
    const revoked = await request(b, 'DELETE', `/v1/sessions/${session.session.id}`, { headers: bearer(cluster.secretKey), origin: null });
    expect(revoked.status).toBeLessThan(300);
    const closed = await socket.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(closed.code).toBe(1008);
  });

  it('a link from the backend on node B closes node A’s socket (4002) and A stops accepting the old token', async () => {
    const session = await startSession(a);
    expect((await request(a, 'GET', '/v1/me', { headers: bearer(session.accessToken) })).status).toBe(200); // cached on A
    const socket = await socketTo(wsOf(a), session.accessToken);
    const linked = await request(b, 'POST', `/v1/sessions/${session.session.id}/link`, {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { userId: 'user-linked-on-b' },
    });
    expect(linked.status).toBeLessThan(300);
    expect((await socket.closed).code).toBe(4002);
    expect((await request(a, 'GET', '/v1/me', { headers: bearer(session.accessToken) })).status).toBe(401);
    const me = await request(a, 'GET', '/v1/me', { headers: bearer(linked.body.accessToken) });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe('user-linked-on-b');
  });

  it('erasing a user on node A ends their sockets on node B', async () => {
    const tokens = await request(b, 'POST', '/v1/auth/tokens', {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { userId: 'user-to-erase' },
    });
    expect(tokens.status).toBe(201);
    const socket = await socketTo(wsOf(b), tokens.body.accessToken);
    const erased = await request(a, 'DELETE', '/v1/users/user-to-erase', { headers: bearer(cluster.secretKey), origin: null });
    expect(erased.status).toBe(200);
    expect((await socket.closed).code).not.toBe(1006);
    expect((await request(b, 'GET', '/v1/me', { headers: bearer(tokens.body.accessToken) })).status).toBe(401);
  });

  it('a key revoked on node A is refused on node B at once', async () => {
    const created = await request(a, 'POST', '/v1/keys', {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { name: 'short-lived', kind: 'secret', scopes: ['admin'] },
    });
    expect(created.status).toBe(201);
    expect((await request(b, 'GET', '/v1/keys', { headers: bearer(created.body.key), origin: null })).status).toBe(200);
    expect((await request(a, 'DELETE', `/v1/keys/${created.body.id}`, { headers: bearer(cluster.secretKey), origin: null })).status).toBe(
      204,
    );
    const refused = await request(b, 'GET', '/v1/keys', { headers: bearer(created.body.key), origin: null });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('INVALID_API_KEY');
  });

  it('a publishable key revoked on node A stops session starts on node B at once, though B had it cached', async () => {
    const created = await request(a, 'POST', '/v1/keys', {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { name: 'widget on B', kind: 'publishable' },
    });
    expect(created.status).toBe(201);
    const startOnB = () => request(b, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': created.body.key }, body: {} });
    expect((await startOnB()).status).toBe(201);
    expect((await startOnB()).status).toBe(201);
    expect((await request(a, 'DELETE', `/v1/keys/${created.body.id}`, { headers: bearer(cluster.secretKey), origin: null })).status).toBe(
      204,
    );
    const refused = await startOnB();
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('INVALID_API_KEY');
  });

  it('a message rate limit is shared across nodes', async () => {
    const patched = await request(a, 'PATCH', '/v1/settings', {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { limits: { messagesPerMinute: 4 } },
    });
    expect(patched.status).toBe(200);
    const session = await startSession(a);
    const onA = await socketTo(wsOf(a), session.accessToken);
    const onB = await socketTo(wsOf(b), session.accessToken);
    const send = async (socket: TestSocket, id: string) => {
      socket.send({ type: 'message', id, content: id });
      return socket.next((frame) => (frame.type === 'ack' || frame.type === 'error') && frame.id === id);
    };
    expect((await send(onA, 'r1')).type).toBe('ack');
    expect((await send(onB, 'r2')).type).toBe('ack');
    expect((await send(onA, 'r3')).type).toBe('ack');
    expect((await send(onB, 'r4')).type).toBe('ack');
    expect(await send(onB, 'r5')).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(await send(onA, 'r6')).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    onA.close();
    onB.close();
    await request(a, 'PATCH', '/v1/settings', {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { limits: { messagesPerMinute: 1000 } },
    });
  });

  it('20 concurrent refreshes of one token, spread over both nodes, mint exactly one child', async () => {
    const session = await startSession(nginx.url);
    const before = nginx.upstreamsOf('/v1/auth/refresh').length;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => request(nginx.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(responses.map((r) => r.body.refreshToken)).size).toBe(1);
    expect(new Set(nginx.upstreamsOf('/v1/auth/refresh').slice(before)).size).toBe(2);
    const rows = await database.query<{ state: string }>('select state from refresh_tokens where session_id = $1', [session.session.id]);
    expect(rows.map((r) => r.state).sort()).toEqual(['current', 'rotated']);
    // One rotation, nineteen answered from the grace window, counted across the nodes' /metrics.
    const rotated =
      (await metricValue(a, 'tessera_refreshes_total', 'outcome="rotated"')) +
      (await metricValue(b, 'tessera_refreshes_total', 'outcome="rotated"'));
    const grace =
      (await metricValue(a, 'tessera_refreshes_total', 'outcome="grace"')) +
      (await metricValue(b, 'tessera_refreshes_total', 'outcome="grace"'));
    expect(grace).toBeGreaterThanOrEqual(19);
    expect(rotated).toBeGreaterThanOrEqual(2); // this one and the refresh of the first test
  });

  it('chat through nginx over WebSocket, and /metrics stays off the public entry point', async () => {
    const session = await startSession(nginx.url);
    const outcome = await chatResiliently(nginx.wsUrl, session.accessToken, 5);
    expect(outcome.acked.size).toBe(5);
    expect((await fetch(`${nginx.url}/metrics`)).status).toBe(404);
    expect((await metricValue(a, 'tessera_messages_total')) + (await metricValue(b, 'tessera_messages_total'))).toBeGreaterThanOrEqual(5);
  });

  it('an agent reply streams to the session’s sockets on both nodes', async () => {
    const session = await startSession(a);
    const [onA, onB] = await Promise.all([socketTo(wsOf(a), session.accessToken), socketTo(wsOf(b), session.accessToken)]);
    onA.send({ type: 'message', id: 'stream-1', content: 'who am i' });
    const ack = await onA.nextOfType('ack');
    for (const socket of [onA, onB]) {
      const final = await socket.next((frame) => frame.type === 'message' && frame.replyTo === ack.messageId);
      const deltas = socket.frames.filter((frame) => frame.type === 'delta' && frame.replyTo === ack.messageId);
      expect(deltas.length).toBeGreaterThanOrEqual(1);
      expect(final.content.startsWith(deltas.map((frame) => frame.content).join(''))).toBe(true);
    }
    onA.close();
    onB.close();
  });

  it('a turn that asked for sign-in on node A runs again, once, after a link on node B', async () => {
    const session = await startSession(a);
    const socket = await socketTo(wsOf(a), session.accessToken);
    socket.send({ type: 'message', id: 'orders-1', content: 'show my orders' });
    const ack = await socket.nextOfType('ack');
    expect(await socket.nextOfType('auth_required')).toMatchObject({ replyTo: ack.messageId });
    const linked = await request(b, 'POST', `/v1/sessions/${session.session.id}/link`, {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { userId: 'orders-user', name: 'Olive' },
    });
    expect(linked.status).toBeLessThan(300);
    expect((await socket.closed).code).toBe(4002);
    const repliesTo = async () => {
      const history = await request(a, 'GET', `/v1/conversations/${ack.conversationId}/messages`, {
        headers: bearer(linked.body.accessToken),
      });
      return (history.body.messages as { replyTo: string; content: string }[]).filter((m) => m.replyTo === ack.messageId);
    };
    const deadline = Date.now() + 5_000;
    while ((await repliesTo()).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const replies = await repliesTo();
    expect(replies).toHaveLength(2);
    expect(replies[1].content).toMatch(/Your orders, Olive/);
  });

  it('a stop sent through node B aborts the agent call node A is making, and both nodes’ sockets get the stopped reply', async () => {
    const agent = await TestAgentServer.start();
    try {
      agent.handler = async (_turn, response) => {
        startStream(response);
        for (let i = 0; i < 400 && !response.destroyed; i++) {
          sendEvent(response, 'delta', { content: `w${i} ` });
          await sleep(25);
        }
        sendEvent(response, 'done', {});
        response.end();
      };
      const configured = await request(a, 'PATCH', '/v1/settings', {
        headers: bearer(cluster.secretKey),
        origin: null,
        body: { agent: { url: agent.url } },
      });
      expect(configured.status).toBe(200);
      agent.secrets = [configured.body.agent.signingSecret];
      const session = await startSession(a);
      const [onA, onB] = await Promise.all([socketTo(wsOf(a), session.accessToken), socketTo(wsOf(b), session.accessToken)]);
      onA.send({ type: 'message', id: 'long-1', content: 'tell me everything' });
      const ack = await onA.nextOfType('ack');
      await onB.next((frame) => frame.type === 'delta' && frame.replyTo === ack.messageId, 10_000);
      expect(agent.turns).toHaveLength(1);
      expect(agent.turns[0]!.verifiedWith).toEqual(agent.secrets);
      onB.send({ type: 'stop', id: ack.messageId });
      await agent.turns[0]!.cutOff;
      for (const socket of [onA, onB]) {
        const final = await socket.next((frame) => frame.type === 'message' && frame.replyTo === ack.messageId);
        expect(final.stopped).toBe(true);
        expect(final.content).toMatch(/^w0 /);
        expect(final.content).not.toContain('w399');
      }
      onA.close();
      onB.close();
    } finally {
      await request(a, 'PATCH', '/v1/settings', { headers: bearer(cluster.secretKey), origin: null, body: { agent: { url: null } } });
      await agent.stop();
    }
  });

  it('a flow completed by the provider’s callback on node B reaches the chat’s socket on node A, which redeems it in-band', async () => {
    const port = new URL(a).port;
    const provider = await startOidcProvider({
      clients: [
        {
          clientId: 'tessera-cluster',
          clientSecret: 'cluster-secret-0123456789',
          redirectUris: [`http://localhost:${port}/v1/auth/oauth/acme/callback`],
        },
      ],
      autoLogin: 'ada',
    });
    try {
      const configured = await request(a, 'PATCH', '/v1/settings', {
        headers: bearer(cluster.secretKey),
        origin: null,
        body: {
          oauth: {
            providers: [
              { id: 'acme', kind: 'oidc', issuer: provider.issuer, clientId: 'tessera-cluster', clientSecret: 'cluster-secret-0123456789' },
            ],
          },
        },
      });
      expect(configured.status).toBe(200);
      const session = await startSession(a);
      const [onA, onB] = await Promise.all([socketTo(wsOf(a), session.accessToken), socketTo(wsOf(b), session.accessToken)]);
      const started = await request(b, 'POST', '/v1/auth/flows', {
        headers: bearer(session.accessToken),
        body: { method: 'oauth', provider: 'acme' },
      });
      expect(started.status).toBe(201);
      const callback = await followToCallback(started.body.url);
      const page = await fetch(`${b}${callback.pathname}${callback.search}`);
      expect(page.status).toBe(200);
      await Promise.all([onA.nextOfType('flow_completed'), onB.nextOfType('flow_completed')]);
      onA.send({ type: 'authenticate', method: 'flow', flowId: started.body.flowId, flowSecret: started.body.flowSecret });
      expect((await onA.nextOfType('authenticated')).user.id).toBe('acme:ada');
      expect((await onB.closed).code).toBe(4002);
      onA.close();
    } finally {
      await provider.stop();
    }
  });

  it('a magic link asked for through node B and confirmed on node B, from the phone, signs in the chat held on node A', async () => {
    const session = await startSession(a);
    const onA = await socketTo(wsOf(a), session.accessToken);
    const started = await request(b, 'POST', '/v1/auth/flows', {
      headers: bearer(session.accessToken),
      body: { method: 'magic_link', email: 'phone@example.com' },
    });
    expect(started.status).toBe(201);
    const mail = await smtp.nextMail({ to: 'phone@example.com', timeoutMs: 10_000 });
    const link = new URL(/(https?:\/\/\S+)/.exec(mail.text)![1]!);
    const confirmed = await fetch(`${b}${link.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ matchCode: started.body.matchCode }).toString(),
    });
    expect(confirmed.status).toBe(200);
    await onA.nextOfType('flow_completed');
    onA.send({ type: 'authenticate', method: 'flow', flowId: started.body.flowId, flowSecret: started.body.flowSecret });
    expect((await onA.nextOfType('authenticated')).user.id).toBe('phone@example.com');
    onA.close();
  });
});
