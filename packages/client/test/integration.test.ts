import { afterEach, describe, expect, it } from 'vitest';
import type { TokenPair } from '@tessera/protocol';
import type { ChatClient, ChatClientOptions } from '../src/chat-client.js';
import { TesseraError } from '../src/errors.js';
import { createLocalStorage } from '../src/storage/web-storage.js';
import {
  api,
  browserLike,
  eventually,
  identityToken,
  sharedLocalStorage,
  sleep,
  startAnonymousSession,
  startTestServer,
  type TestServer,
  pageClient,
} from './support/real-server.js';

// Against the real server (packages/server) on 127.0.0.1, port 0, with a real `ws` socket.
const IDENTITY_SECRET = 'customer-app-identity-secret-0123456789abcdef';
const servers: TestServer[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const server of servers.splice(0)) await server.stop({ removeData: true }).catch(() => undefined);
});

async function server(options: Parameters<typeof startTestServer>[0] = {}) {
  const started = await startTestServer(options);
  servers.push(started);
  return started;
}

function client(target: TestServer, options: Partial<ChatClientOptions> = {}) {
  const page = browserLike();
  const errors: TesseraError[] = [];
  const states: string[] = [];
  const created = pageClient(target, page, {
    ...options,
  });
  created.on('error', (error) => errors.push(error));
  created.on('state', ({ state }) => states.push(state));
  clients.push(created);
  return { client: created, errors, states, wire: page.wire };
}

/** The user messages stored in a conversation, read over HTTP. */
async function storedUserMessages(target: TestServer, conversationId: string, accessToken: string): Promise<string[]> {
  const response = await api(target, 'GET', `/v1/conversations/${conversationId}/messages?limit=100`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(response.status).toBe(200);
  return response.body.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content);
}

describe('client against the real server', () => {
  it('chats across several access-token lifetimes without an error or a reconnect', { timeout: 60_000 }, async () => {
    const target = await server({ settings: { tokens: { accessTokenTtlSeconds: 5 }, limits: { messagesPerMinute: 600 } } as never });
    const refreshed: TokenPair[] = [];
    const { client: chat, errors, states, wire } = client(target, { onTokenRefresh: (tokens) => refreshed.push(tokens) });
    const replies: string[] = [];
    chat.on('message', (message) => replies.push(message.replyTo));

    await chat.connect();
    const acks = [];
    const startedAt = Date.now();
    for (let i = 0; Date.now() - startedAt < 16_000; i++) {
      acks.push(await chat.send(`message ${i}`));
      await sleep(1000);
    }
    await eventually(() => acks.every((ack) => replies.includes(ack.messageId)));

    expect(errors).toEqual([]);
    expect(states).toEqual(['connecting', 'connected']); // renewed tokens went to the open socket
    const refreshFrames = wire.sent.filter((frame) => frame.type === 'refresh');
    expect(refreshFrames.length).toBeGreaterThanOrEqual(3); // 16 s of 5 s tokens
    expect(refreshed.length).toBeGreaterThanOrEqual(4); // the session's pair, then each refresh
    const stored = await storedUserMessages(target, acks[0]!.conversationId, (await chat.tokens.getAccessToken())!);
    expect(stored).toEqual(acks.map((_, i) => `message ${i}`));
  });

  it('survives a server restart: queued and un-acked messages are delivered exactly once', { timeout: 60_000 }, async () => {
    const first = await startTestServer();
    const keys = { tenantId: first.tenantId, secretKey: first.secretKey, publishableKey: first.publishableKey };
    const port = Number(new URL(first.url).port);
    const { client: chat, errors, states, wire } = client(first, { minReconnectDelayMs: 200, maxReconnectDelayMs: 1000 });
    await chat.connect();
    const before = await chat.send('before the restart');

    // The server stores this one, but its ack is lost on the way.
    wire.dropOnce((frame) => frame.type === 'ack');
    let lostAckSettled = false;
    const lostAck = chat.send('ack lost').finally(() => (lostAckSettled = true));
    await eventually(() => wire.sent.some((frame) => frame.content === 'ack lost'));
    await sleep(300); // stored and answered
    expect(lostAckSettled).toBe(false);

    await first.stop(); // sockets closed with 1012
    await eventually(() => chat.state === 'reconnecting');
    const offline = [chat.send('sent while offline 1'), chat.send('sent while offline 2')];
    await sleep(500);

    const second = await startTestServer({ dataDir: first.dataDir, keys, port });
    servers.push(second);
    const [lost, ...queued] = await Promise.all([lostAck, ...offline]);
    expect(chat.state).toBe('connected');
    expect(errors).toEqual([]);
    expect(states).toContain('reconnecting');

    // The retried message was acknowledged with its original id, not stored twice.
    const resent = wire.sent.filter((frame) => frame.content === 'ack lost');
    expect(resent).toHaveLength(2);
    expect(resent[0].id).toBe(resent[1].id);
    const stored = await storedUserMessages(second, before.conversationId, (await chat.tokens.getAccessToken())!);
    expect(stored).toEqual(['before the restart', 'ack lost', 'sent while offline 1', 'sent while offline 2']);
    expect(new Set([lost!.conversationId, ...queued.map((ack) => ack.conversationId)])).toEqual(new Set([before.conversationId]));
  });

  it('continues as the user after the customer backend links the session (4002), via the tokenProvider', async () => {
    const target = await server();
    const anonymous = await startAnonymousSession(target);
    let linked: TokenPair | null = null;
    const { client: chat, errors } = client(target, {
      initialTokens: anonymous,
      tokenProvider: async () => {
        if (!linked) throw new TesseraError('NO_CREDENTIALS', 'not signed in');
        return linked;
      },
    });
    await chat.connect();
    await chat.send('hello as a visitor');
    expect(chat.getCurrentUser()).toMatchObject({ auth: 'anonymous', userId: null });

    // Your backend links the visitor's session when they log in to your site.
    const response = await api(target, 'POST', `/v1/sessions/${anonymous.session.id}/link`, {
      headers: { 'x-api-key': target.secretKey },
      origin: null,
      body: { userId: 'alice', name: 'Alice', custom: { role: 'admin' } },
    });
    expect(response.status).toBe(201);
    linked = response.body;

    // The server closes the socket with 4002; the old refresh token is dead; the provider vouches for alice.
    await eventually(() => chat.getCurrentUser()?.userId === 'alice' && chat.state === 'connected');
    expect(chat.getCurrentUser()).toMatchObject({ auth: 'user', userId: 'alice', custom: { role: 'admin' } });
    const replies: string[] = [];
    chat.on('message', (message) => replies.push(message.content));
    await chat.send('who am i');
    await eventually(() => replies.length > 0);
    expect(replies[0]).toMatch(/alice/i);
    expect(errors).toEqual([]);
  });

  it('a sign-in in one tab moves the other tab to the user (4002, newer token adopted)', async () => {
    const target = await server({ settings: { identity: { verification: { secret: IDENTITY_SECRET }, nameClaim: 'name' } } as never });
    const shared = sharedLocalStorage();
    const crossTab = { name: `tessera-it-${Date.now()}`, locks: null };
    const tabA = client(target, { storage: createLocalStorage(shared), crossTab });
    await tabA.client.connect();
    const tabB = client(target, { storage: createLocalStorage(shared), crossTab });
    await tabB.client.connect();
    expect(tabB.client.getCurrentUser()!.sessionId).toBe(tabA.client.getCurrentUser()!.sessionId);
    const first = await tabB.client.send('typed in tab B');

    const result = await tabA.client.linkFromMainApp(identityToken(IDENTITY_SECRET, { sub: 'bob', name: 'Bob' }));
    expect(result.user).toMatchObject({ id: 'bob', name: 'Bob' });
    expect(tabA.states).toEqual(['connecting', 'connected']); // the socket that signed in stays open

    await eventually(() => tabB.client.getCurrentUser()?.userId === 'bob' && tabB.client.state === 'connected');
    expect(tabB.states).toContain('reconnecting');
    const later = await tabB.client.send('still tab B, now as bob');
    expect(later.conversationId).toBe(first.conversationId);
    expect([...tabA.errors, ...tabB.errors]).toEqual([]);
  });

  it('logout revokes the session on the server, clears storage and closes', async () => {
    const target = await server();
    const shared = sharedLocalStorage();
    const { client: chat, states, errors } = client(target, { storage: createLocalStorage(shared) });
    await chat.connect();
    await chat.send('bye soon');
    const pair = JSON.parse(shared.storage.getItem('tessera.tokens')!) as TokenPair;
    expect(pair.refreshToken).toMatch(/^rt_/);

    await chat.logout();
    expect(chat.state).toBe('closed');
    expect(states.at(-1)).toBe('closed');
    expect(shared.storage.getItem('tessera.tokens')).toBeNull();
    expect(chat.getCurrentUser()).toBeNull();

    const refresh = await api(target, 'POST', '/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } });
    expect(refresh.status).toBe(401);
    const me = await api(target, 'GET', '/v1/me', { headers: { authorization: `Bearer ${pair.accessToken}` } });
    expect(me.status).toBe(401);
    await expect(chat.send('after logout')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(errors).toEqual([]);
    expect(states.filter((state) => state === 'closed')).toHaveLength(1);
  });

  it('stops with an error when the session is revoked (1008)', async () => {
    const target = await server();
    const { client: chat, errors } = client(target);
    await chat.connect();
    const sessionId = chat.getCurrentUser()!.sessionId!;
    const revoked = await api(target, 'DELETE', `/v1/sessions/${sessionId}`, { headers: { 'x-api-key': target.secretKey }, origin: null });
    expect(revoked.status).toBeLessThan(300);
    await eventually(() => chat.state === 'closed');
    expect(errors.map((error) => error.code)).toContain('SESSION_REVOKED');
    expect(chat.tokens.current()).toBeNull();
  });
});
