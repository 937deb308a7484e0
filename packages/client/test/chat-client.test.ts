import { afterEach, describe, expect, it } from 'vitest';
import type { TokenPair } from '@tessera/protocol';
import { createChatClient, type ChatClient, type ChatClientOptions } from '../src/chat-client.js';
import type { TesseraError } from '../src/errors.js';
import { createMemoryStorage } from '../src/storage/memory-storage.js';
import type { WebSocketConstructor } from '../src/socket.js';
import { FakeClock, settle } from './support/fake-clock.js';
import { FakeSocket, latest } from './support/fake-socket.js';
import { errorBody, fakeFetch, type Reply } from './support/fake-fetch.js';
import { makePair } from './support/tokens.js';

// Unit tests of the client's reactions, with a scripted socket. The real server is in integration.test.ts.

const clients: ChatClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
  FakeSocket.all = [];
});

function setup(
  options: Partial<ChatClientOptions> = {},
  respond: (call: { url: string; body: any }) => Reply = () => new Error('offline'),
) {
  const clock = new FakeClock();
  const { fetch, calls } = fakeFetch(respond);
  const storage = options.storage ?? createMemoryStorage();
  const client = createChatClient({
    url: 'https://tessera.test',
    WebSocket: FakeSocket as unknown as WebSocketConstructor,
    fetch,
    clock,
    storage,
    crossTab: false,
    watchEnvironment: false,
    random: () => 0.999,
    ...options,
  });
  const errors: TesseraError[] = [];
  const states: string[] = [];
  client.on('error', (error) => errors.push(error));
  client.on('state', ({ state }) => states.push(state));
  clients.push(client);
  return { client, clock, calls, storage, errors, states };
}

async function connected(ctx: ReturnType<typeof setup>) {
  const done = ctx.client.connect();
  await settle();
  latest().accept();
  await done;
}

describe('chat client', () => {
  it('opens the socket with the access token as a subprotocol, never in the URL', async () => {
    const clock = new FakeClock();
    const pair = makePair(clock.now());
    const ctx = setup({ initialTokens: pair });
    await connected(ctx);
    expect(latest().url).toBe('wss://tessera.test/v1/ws');
    expect(latest().protocols).toEqual(['tessera.v1', `bearer.${pair.accessToken}`]);
    expect(ctx.states).toEqual(['connecting', 'connected']);
  });

  it('with only a publishable key, connects with ?key= and keeps the session the server sends', async () => {
    const clock = new FakeClock();
    const pair = makePair(clock.now());
    const ctx = setup({ publishableKey: 'pk_k_abc' });
    const sessions: unknown[] = [];
    ctx.client.on('session', (event) => sessions.push(event));
    const done = ctx.client.connect();
    await settle();
    expect(latest().url).toBe('wss://tessera.test/v1/ws?key=pk_k_abc');
    expect(latest().protocols).toEqual(['tessera.v1']);
    latest().accept({ type: 'session', ...pair, session: { id: 'sess_1' } });
    await done;
    expect(await ctx.storage.load()).toEqual(pair);
    expect(sessions).toEqual([{ session: { id: 'sess_1' }, isNew: true }]);
    expect(ctx.client.getCurrentUser()).toMatchObject({ id: 'anon_1', auth: 'anonymous', sessionId: 'sess_1', userId: null });
  });

  it('resolves send() on the ack and queues messages sent while offline', async () => {
    const ctx = setup({ initialTokens: makePair(new FakeClock().now()) });
    const offline = ctx.client.send('typed before connecting');
    await connected(ctx);
    const frame = latest().sent.find((f) => f.type === 'message');
    expect(frame).toMatchObject({ content: 'typed before connecting', id: expect.any(String) });
    latest().receive({ type: 'ack', id: frame.id, messageId: 'msg_1', conversationId: 'conv_1' });
    expect(await offline).toEqual({ id: frame.id, messageId: 'msg_1', conversationId: 'conv_1' });
  });

  it('resends every un-acked message with the same client id after a restart (1012)', async () => {
    const ctx = setup({ initialTokens: makePair(new FakeClock().now()) });
    await connected(ctx);
    const first = ctx.client.send('one');
    const second = ctx.client.send('two');
    const ids = latest()
      .sent.filter((f) => f.type === 'message')
      .map((f) => f.id);
    latest().receive({ type: 'ack', id: ids[0], messageId: 'msg_1', conversationId: 'conv_1' });
    latest().serverClose(1012, 'UNAVAILABLE');
    expect(ctx.client.state).toBe('reconnecting');
    const third = ctx.client.send('three');
    await ctx.clock.advance(500); // first reconnect: full jitter below 0.5 s
    expect(FakeSocket.all).toHaveLength(2);
    latest().accept();
    const resent = latest().sent.filter((f) => f.type === 'message');
    expect(resent.map((f) => f.content)).toEqual(['two', 'three']);
    expect(resent[0].id).toBe(ids[1]);
    // The server acks a duplicate with the original messageId.
    latest().receive({ type: 'ack', id: ids[1], messageId: 'msg_2', conversationId: 'conv_1', duplicate: true });
    latest().receive({ type: 'ack', id: resent[1].id, messageId: 'msg_3', conversationId: 'conv_1' });
    expect((await Promise.all([first, second, third])).map((ack) => ack.messageId)).toEqual(['msg_1', 'msg_2', 'msg_3']);
    expect(ctx.errors).toEqual([]);
  });

  it('4001: refreshes, then reconnects with the new token', async () => {
    const old = makePair(Date.UTC(2026, 0, 1));
    const fresh = makePair(Date.UTC(2026, 0, 1));
    const ctx = setup({ initialTokens: old }, () => ({ body: fresh }));
    const clock = ctx.clock;
    await connected(ctx);
    latest().serverClose(4001, 'TOKEN_EXPIRED');
    await clock.advance(500);
    expect(ctx.calls.map((c) => c.url)).toEqual(['https://tessera.test/v1/auth/refresh']);
    expect(latest().token).toBe(fresh.accessToken);
    latest().accept();
    expect(ctx.client.state).toBe('connected');
  });

  it('4002: reconnects with the newer token it already has, without refreshing', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1)) });
    await connected(ctx);
    const linked = makePair(Date.UTC(2026, 0, 1), 15 * 60_000, { auth: 'user', uid: 'u1', ver: 2 });
    await ctx.client.tokens.setTokens(linked); // e.g. signed in in another tab
    latest().serverClose(4002, 'AUTH_CHANGED');
    await ctx.clock.advance(500);
    expect(ctx.calls).toHaveLength(0);
    expect(latest().token).toBe(linked.accessToken);
  });

  it('4002: refreshes first when it has no newer token', async () => {
    const fresh = makePair(Date.UTC(2026, 0, 1), 15 * 60_000, { auth: 'user', uid: 'u1', ver: 2 });
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1)) }, () => ({ body: fresh }));
    await connected(ctx);
    latest().serverClose(4002, 'AUTH_CHANGED');
    await ctx.clock.advance(500);
    expect(ctx.calls).toHaveLength(1);
    expect(latest().token).toBe(fresh.accessToken);
  });

  it('1008: clears the tokens, rejects what is pending, emits the error and stops', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1)) });
    await connected(ctx);
    const pending = ctx.client.send('lost cause');
    latest().serverClose(1008, 'SESSION_REVOKED');
    await expect(pending).rejects.toMatchObject({ code: 'SESSION_REVOKED' });
    await settle();
    expect(ctx.client.state).toBe('closed');
    expect(ctx.errors.map((e) => e.code)).toEqual(['SESSION_REVOKED']);
    expect(await ctx.storage.load()).toBeNull();
    await ctx.clock.advance(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('hands a renewed access token to the open socket with a refresh frame', async () => {
    let clock!: FakeClock;
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1), 60_000) }, () => ({ body: makePair(clock.now(), 60_000) }));
    clock = ctx.clock;
    await connected(ctx);
    await clock.advance(30_000); // half of a one-minute token
    expect(ctx.calls).toHaveLength(1);
    const refresh = latest().sent.find((f) => f.type === 'refresh');
    expect(refresh).toEqual({ type: 'refresh', token: ctx.client.tokens.current()!.accessToken });
    latest().receive({ type: 'refreshed', expiresAt: ctx.client.tokens.current()!.expiresAt });
    expect(FakeSocket.all).toHaveLength(1);
    expect(ctx.states).toEqual(['connecting', 'connected']);
  });

  it('reconnect delays use full jitter, growing from 0.5 s to a 20 s cap', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1), 60 * 60_000) });
    const done = ctx.client.connect();
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = ctx.clock.delays.length;
      latest().serverClose(1006);
      await settle(); // the failed handshake asks over HTTP whether the origin was refused (offline here)
      const sleepMs = ctx.clock.delays.slice(before).find((ms) => ms !== 10_000 && ms !== 20_000)!;
      delays.push(sleepMs);
      await ctx.clock.advance(sleepMs);
    }
    expect(delays).toEqual([499, 999, 1998, 3996, 7992, 15_984, 19_980, 19_980]);
    latest().accept();
    await done;
  });

  it('replaces a socket that stops answering pings', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1), 60 * 60_000), pingIntervalMs: 25_000, socketTimeoutMs: 10_000 });
    await connected(ctx);
    await ctx.clock.advance(25_000);
    expect(latest().sent.at(-1)).toEqual({ type: 'ping' });
    await ctx.clock.advance(10_000);
    expect(FakeSocket.all[0]!.closedByClient).toBe(4000);
    expect(ctx.client.state).toBe('reconnecting');
    await ctx.clock.advance(500);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('rejects a rate-limited message with retryAfterMs, and answers resume and history in order', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1)) });
    const history = ctx.client.history({ limit: 10 });
    await connected(ctx);
    const sent = ctx.client.send('too fast');
    const id = latest().sent.find((f) => f.type === 'message').id;
    latest().receive({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', id, retryAfterMs: 1500 });
    await expect(sent).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1500 });

    const resumed = ctx.client.resume('conv_9');
    const requests = latest().sent.filter((f) => f.type !== 'message');
    expect(requests).toEqual([
      { type: 'history', limit: 10, id: expect.stringMatching(/^req-/) },
      { type: 'resume', conversationId: 'conv_9', id: expect.stringMatching(/^req-/) },
    ]);
    latest().receive({ type: 'history', messages: [] });
    latest().receive({ type: 'error', code: 'NOT_FOUND', message: 'no such conversation' });
    expect(await history).toEqual([]);
    await expect(resumed).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(ctx.errors).toEqual([]);
  });

  it('matches replies and errors to requests by the echoed request id, whatever their order', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1)) });
    await connected(ctx);
    const first = ctx.client.resume('conv_1');
    const second = ctx.client.resume('conv_2');
    const [one, two] = latest().sent.filter((f) => f.type === 'resume');
    // The server answers the second first, and the first with an error naming it.
    latest().receive({ type: 'resumed', id: two.id, conversation: { id: 'conv_2' }, messages: [] });
    latest().receive({ type: 'error', code: 'NOT_FOUND', message: 'no such conversation', id: one.id });
    await expect(second).resolves.toMatchObject({ conversation: { id: 'conv_2' } });
    await expect(first).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(ctx.errors).toEqual([]);
  });

  it('streams a reply, stops it with a stop frame naming the stored message, and says when offline', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1)) });
    const texts: string[] = [];
    const finals: unknown[] = [];
    ctx.client.on('delta', ({ text }) => texts.push(text));
    ctx.client.on('message', (message) => finals.push(message));
    await connected(ctx);
    const sent = ctx.client.send('tell me a story');
    const { id } = latest().sent.find((f) => f.type === 'message');
    latest().receive({ type: 'ack', id, messageId: 'msg_1', conversationId: 'conv_1' });
    const ack = await sent;
    latest().receive({ type: 'delta', replyTo: 'msg_1', content: 'Once ', conversationId: 'conv_1' });
    latest().receive({ type: 'delta', replyTo: 'msg_1', content: 'upon ', conversationId: 'conv_1' });
    expect(ctx.client.streamingReplies()).toEqual([{ replyTo: 'msg_1', text: 'Once upon ' }]);

    expect(ctx.client.stop(ack.messageId)).toBe(true);
    expect(latest().sent.at(-1)).toEqual({ type: 'stop', id: 'msg_1' });
    const stopped = {
      type: 'message',
      id: 'msg_2',
      role: 'assistant',
      content: 'Once upon ',
      replyTo: 'msg_1',
      conversationId: 'conv_1',
      stopped: true,
    };
    latest().receive(stopped);
    expect(texts).toEqual(['Once ', 'Once upon ']);
    expect(finals).toEqual([stopped]);
    expect(ctx.client.streamingReplies()).toEqual([]);

    ctx.client.disconnect();
    expect(ctx.client.stop('msg_1')).toBe(false);
    expect(ctx.errors).toEqual([]);
  });

  it('signs in over the open socket and keeps it', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1)) });
    await connected(ctx);
    const signedIn = ctx.client.authenticate({ email: 'a@example.com', password: 'correct horse' });
    await settle();
    expect(latest().sent.at(-1)).toEqual({
      type: 'authenticate',
      method: 'password',
      email: 'a@example.com',
      password: 'correct horse',
      id: expect.stringMatching(/^req-/),
    });
    const user: TokenPair = makePair(Date.UTC(2026, 0, 1), 15 * 60_000, { auth: 'user', uid: 'u1', ver: 2, custom: { role: 'admin' } });
    latest().receive({ type: 'authenticated', ...user, user: { id: 'u1' }, session: { id: 'sess_1' }, previousConversations: [] });
    expect((await signedIn).user).toEqual({ id: 'u1' });
    await settle();
    expect(ctx.client.getCurrentUser()).toMatchObject({ userId: 'u1', auth: 'user', custom: { role: 'admin' } });
    expect(latest().sent.some((f) => f.type === 'refresh')).toBe(false); // the socket already has this token
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('connect() fails with NO_CREDENTIALS when it has nothing to connect with', async () => {
    const ctx = setup();
    await expect(ctx.client.connect()).rejects.toMatchObject({ code: 'NO_CREDENTIALS' });
    expect(ctx.client.state).toBe('closed');
  });

  it('a terminal refresh failure closes the client and reports it once', async () => {
    const ctx = setup({ initialTokens: makePair(Date.UTC(2026, 0, 1)) }, () => ({ status: 401, body: errorBody('REFRESH_TOKEN_REUSED') }));
    await connected(ctx);
    latest().serverClose(4001, 'TOKEN_EXPIRED');
    await ctx.clock.advance(500);
    expect(ctx.client.state).toBe('closed');
    expect(ctx.errors.map((e) => e.code)).toEqual(['REFRESH_TOKEN_REUSED']);
  });
});
