import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatabase } from '../support/database.js';
import {
  api,
  chat,
  connect,
  connectAnonymous,
  ManualClock,
  startAnonymousSession,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('messages over the socket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('acks a message only once it is stored, then the agent replies', async () => {
    const { socket, session } = await connectAnonymous(server);
    socket.send({ type: 'message', id: 'c-1', content: 'hello there' });
    const ack = await socket.nextOfType('ack');
    // The ack promises the message is committed: a second connection to the file sees it.
    const db = inspectDatabase(server.dataDir);
    try {
      const rows = db.rows<{ id: string; content: string; role: string; client_id: string; session_id: string }>(
        'select id, content, role, client_id, session_id from messages where id = ?',
        ack.messageId,
      );
      expect(rows).toEqual([{ id: ack.messageId, content: 'hello there', role: 'user', client_id: 'c-1', session_id: session.session.id }]);
    } finally {
      db.close();
    }
    expect(ack).toMatchObject({ type: 'ack', id: 'c-1', conversationId: expect.stringMatching(/^conv_/) });
    const reply = await socket.nextOfType('message');
    expect(reply).toMatchObject({ role: 'assistant', replyTo: ack.messageId, conversationId: ack.conversationId });
    socket.close();
  });

  it('the demo agent knows the visitor is anonymous and will not show orders', async () => {
    const { socket } = await connectAnonymous(server);
    expect((await chat(socket, 'w', 'who am I?')).reply.content).toMatch(/anonymous/i);
    expect((await chat(socket, 'o', 'show me the orders of user alice')).reply.content).toMatch(/log in/i);
    socket.close();
  });

  it('stores a repeated client id once and acks it as a duplicate, without a second reply', async () => {
    const { socket } = await connectAnonymous(server);
    const first = await chat(socket, 'same', 'once only');
    socket.send({ type: 'message', id: 'same', content: 'once only' });
    const again = await socket.nextOfType('ack');
    expect(again).toMatchObject({ id: 'same', messageId: first.ack.messageId, duplicate: true });
    socket.send({ type: 'history' });
    const history = await socket.nextOfType('history');
    expect(history.messages.filter((message: any) => message.clientId === 'same')).toHaveLength(1);
    expect(socket.frames.filter((frame) => frame.type === 'message')).toEqual([]);
    socket.close();
  });

  it('keeps the conversation across reconnects: history frame and HTTP give it back in order', async () => {
    const { socket, session } = await connectAnonymous(server);
    const one = await chat(socket, 'a', 'first words');
    const two = await chat(socket, 'b', 'second words');
    socket.close();
    await socket.closed;

    const again = connect(server, { token: session.accessToken });
    await again.nextOfType('ready');
    again.send({ type: 'history' });
    const history = await again.nextOfType('history');
    expect(history.messages.map((message: any) => [message.role, message.content.slice(0, 12)])).toEqual([
      ['user', 'first words'],
      ['assistant', one.reply.content.slice(0, 12)],
      ['user', 'second words'],
      ['assistant', two.reply.content.slice(0, 12)],
    ]);
    expect(history.messages[0]).toMatchObject({ id: one.ack.messageId, clientId: 'a', conversationId: one.ack.conversationId });

    // paging backwards
    again.send({ type: 'history', before: history.messages[2].id, limit: 1 });
    expect((await again.nextOfType('history')).messages.map((message: any) => message.id)).toEqual([history.messages[1].id]);

    // a new message after the reconnect joins the same conversation
    const three = await chat(again, 'c', 'third words');
    expect(three.ack.conversationId).toBe(one.ack.conversationId);

    const auth = { authorization: `Bearer ${session.accessToken}` };
    const list = await api(server, 'GET', '/v1/conversations', { headers: auth });
    expect(list.body.conversations).toEqual([
      expect.objectContaining({ id: one.ack.conversationId, messageCount: 6, preview: 'first words' }),
    ]);
    const messages = await api(server, 'GET', `/v1/conversations/${one.ack.conversationId}/messages`, { headers: auth });
    expect(messages.status).toBe(200);
    expect(messages.body.messages.map((message: any) => message.content)).toEqual([
      ...history.messages.map((message: any) => message.content),
      'third words',
      three.reply.content,
    ]);
    again.close();
  });

  it('a history request on a fresh session returns nothing and starts no (empty) conversation', async () => {
    const { socket, session } = await connectAnonymous(server);
    socket.send({ type: 'history' });
    expect((await socket.nextOfType('history')).messages).toEqual([]);
    const list = await api(server, 'GET', '/v1/conversations', { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(list.body.conversations).toEqual([]);
    // the first message still starts one, and history then finds it
    const { ack } = await chat(socket, 'first', 'hello');
    socket.send({ type: 'history' });
    expect((await socket.nextOfType('history')).messages.map((m: any) => m.conversationId)).toEqual([
      ack.conversationId,
      ack.conversationId,
    ]);
    socket.close();
  });

  it('answers ping with pong', async () => {
    const { socket } = await connectAnonymous(server);
    await socket.roundTrip();
    socket.close();
  });
});

describe('malformed and oversized frames', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  const malformed: Array<[string, string, string | undefined]> = [
    ['not JSON', 'this is not json', undefined],
    ['truncated JSON', '{"type":"message","id":"x1"', undefined],
    ['JSON null', 'null', undefined],
    ['a JSON array', '[1,2,3]', undefined],
    ['a JSON string', '"message"', undefined],
    ['no type', '{"id":"x2","content":"hi"}', 'x2'],
    ['an unknown type', '{"type":"launch-missiles","id":"x3"}', 'x3'],
    ['a message without content', '{"type":"message","id":"x4"}', 'x4'],
    ['a message with empty content', '{"type":"message","id":"x5","content":""}', 'x5'],
    ['a message without id', '{"type":"message","content":"hi"}', undefined],
    ['a message with a numeric id', '{"type":"message","id":7,"content":"hi"}', undefined],
    ['a message with object content', '{"type":"message","id":"x6","content":{"$gt":""}}', 'x6'],
    ['a message over the content limit', JSON.stringify({ type: 'message', id: 'x7', content: 'y'.repeat(16_001) }), 'x7'],
    ['a refresh without token', '{"type":"refresh"}', undefined],
    ['a history with a bad limit', '{"type":"history","limit":0}', undefined],
    ['a resume without conversation', '{"type":"resume"}', undefined],
    ['an authenticate with an unknown method', '{"type":"authenticate","method":"magic","token":"t"}', undefined],
  ];

  it.each(malformed)('answers %s with a BAD_REQUEST error frame and keeps serving the socket', async (_name, text, id) => {
    const { socket, session } = await connectAnonymous(server);
    socket.send(text);
    const error = await socket.nextOfType('error');
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.id).toBe(id);
    await socket.roundTrip();
    const { ack } = await chat(socket, 'after', 'still here');
    expect(ack.messageId).toMatch(/^msg_/);
    // nothing of the bad frame was stored
    const db = inspectDatabase(server.dataDir);
    expect(db.count('messages', "session_id = ? and role = 'user'", session.session.id)).toBe(1);
    db.close();
    socket.close();
  });

  it('survives a flood of garbage on one socket while another socket is served', async () => {
    const { socket: noisy } = await connectAnonymous(server);
    const { socket: quiet } = await connectAnonymous(server);
    for (let i = 0; i < 200; i++) noisy.send(i % 2 ? '{' : `{"type":"x${i}"}`);
    await chat(quiet, 'q', 'hello');
    for (let i = 0; i < 200; i++) await noisy.nextOfType('error');
    await noisy.roundTrip();
    noisy.close();
    quiet.close();
  });

  it('accepts a frame just under 64 KiB', async () => {
    const { socket } = await connectAnonymous(server);
    const frame = JSON.stringify({ type: 'ping', padding: 'p'.repeat(64 * 1024 - 40) });
    expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(64 * 1024);
    socket.send(frame);
    await socket.nextOfType('pong');
    socket.close();
  });

  it('closes a socket that sends more than 64 KiB in one frame with 1009, and only that socket', async () => {
    const { socket } = await connectAnonymous(server);
    const { socket: bystander } = await connectAnonymous(server);
    socket.send(JSON.stringify({ type: 'message', id: 'big', content: 'z'.repeat(64 * 1024) }));
    expect((await socket.closed).code).toBe(1009);
    await bystander.roundTrip();
    bystander.close();
  });

  it('closes a socket that sends binary frames (1003)', async () => {
    const { socket } = await connectAnonymous(server);
    socket.ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect((await socket.closed).code).toBe(1003);
  });

  it('closes a socket that sends invalid UTF-8 text (1007)', async () => {
    const { socket } = await connectAnonymous(server);
    // A text frame whose payload is not UTF-8: ws sends a Buffer marked as text as it is.
    socket.ws.send(Buffer.from([0xff, 0xfe, 0xfd]), { binary: false });
    expect((await socket.closed).code).toBe(1007);
  });
});

describe('message rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ settings: { limits: { messagesPerMinute: 3 } } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('answers the message over the limit with RATE_LIMITED (id, retryAfterMs) and does not store it', async () => {
    const { socket, session } = await connectAnonymous(server);
    for (const id of ['m1', 'm2', 'm3']) await chat(socket, id, `message ${id}`);
    socket.send({ type: 'message', id: 'm4', content: 'one too many' });
    const error = await socket.nextOfType('error');
    expect(error).toMatchObject({ code: 'RATE_LIMITED', id: 'm4' });
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(socket.frames.filter((frame) => frame.type === 'ack' && frame.id === 'm4')).toEqual([]);

    socket.send({ type: 'history' });
    const history = await socket.nextOfType('history');
    expect(history.messages.filter((message: any) => message.role === 'user').map((message: any) => message.clientId)).toEqual([
      'm1',
      'm2',
      'm3',
    ]);
    const db = inspectDatabase(server.dataDir);
    expect(db.count('messages', 'content = ?', 'one too many')).toBe(0);
    db.close();

    // the limit is the session's, not the socket's
    const second = connect(server, { token: session.accessToken });
    await second.nextOfType('ready');
    second.send({ type: 'message', id: 'm5', content: 'from another tab' });
    expect(await second.nextOfType('error')).toMatchObject({ code: 'RATE_LIMITED', id: 'm5' });
    // and other frames still work
    await second.roundTrip();
    second.close();
    socket.close();
  });

  it('limits each session on its own', async () => {
    const { socket: busy } = await connectAnonymous(server);
    for (const id of ['a', 'b', 'c']) await chat(busy, id, id);
    const { socket: other } = await connectAnonymous(server);
    await chat(other, 'x', 'my own budget');
    busy.close();
    other.close();
  });

  it('takes a lowered limit from settings at once', async () => {
    const patched = await api(server, 'PATCH', '/v1/settings', {
      headers: { authorization: `Bearer ${server.secretKey}` },
      body: { limits: { messagesPerMinute: 1 } },
      origin: null,
    });
    expect(patched.status).toBe(200);
    const { socket } = await connectAnonymous(server);
    await chat(socket, 'only', 'the one');
    socket.send({ type: 'message', id: 'second', content: 'no more' });
    expect(await socket.nextOfType('error')).toMatchObject({ code: 'RATE_LIMITED', id: 'second' });
    socket.close();
  });
});

describe('access-token expiry on an open socket', () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
  });
  afterAll(() => server.stop({ removeData: true }));

  /** Moves the clock to `msBefore` ms before the token's expiry, so the socket's own timer runs out soon. */
  const nearExpiry = (expiresAt: number, msBefore: number) => clock.set(expiresAt - msBefore);

  it('closes a socket whose token expires without a refresh frame with 4001 TOKEN_EXPIRED', async () => {
    const tokens = await startAnonymousSession(server);
    nearExpiry(tokens.expiresAt, 300);
    const socket = connect(server, { token: tokens.accessToken });
    await socket.nextOfType('ready');
    expect(await socket.closed).toEqual({ code: 4001, reason: 'TOKEN_EXPIRED' });
  });

  it('refuses an expired token at the handshake with 4001', async () => {
    const tokens = await startAnonymousSession(server);
    clock.set(tokens.expiresAt);
    const socket = connect(server, { token: tokens.accessToken });
    expect(await socket.closed).toEqual({ code: 4001, reason: 'TOKEN_EXPIRED' });
    expect(socket.frames).toEqual([]);
  });

  it('keeps a socket open past the old expiry after a refresh frame with a newer token of the same session', async () => {
    const tokens = await startAnonymousSession(server);
    nearExpiry(tokens.expiresAt, 400);
    const socket = connect(server, { token: tokens.accessToken });
    await socket.nextOfType('ready');
    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect(refreshed.status).toBe(200);
    socket.send({ type: 'refresh', token: refreshed.body.accessToken });
    expect(await socket.nextOfType('refreshed')).toEqual({ type: 'refreshed', expiresAt: refreshed.body.expiresAt });
    await sleep(800); // well past the first token's expiry
    expect(socket.closeCode).toBeNull();
    await chat(socket, 'alive', 'still talking');
    socket.close();
  });

  it('refuses a refresh frame carrying another session’s token, and does not adopt it', async () => {
    const mine = await startAnonymousSession(server);
    const theirs = await startAnonymousSession(server);
    nearExpiry(mine.expiresAt, 500);
    const socket = connect(server, { token: mine.accessToken });
    await socket.nextOfType('ready');
    socket.send({ type: 'refresh', token: theirs.accessToken });
    expect((await socket.nextOfType('error')).code).toBe('FORBIDDEN');
    // still bound to its own (soon expired) token
    expect(await socket.closed).toEqual({ code: 4001, reason: 'TOKEN_EXPIRED' });
  });

  it('refuses a refresh frame with a forged token by closing with 1008', async () => {
    const mine = await startAnonymousSession(server);
    const socket = connect(server, { token: mine.accessToken });
    await socket.nextOfType('ready');
    socket.send({ type: 'refresh', token: 'not.a.token' });
    expect(await socket.closed).toEqual({ code: 1008, reason: 'INVALID_TOKEN' });
  });
});

describe('logout frame', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('revokes the session, closes this socket and the session’s others with 1000, and kills the tokens', async () => {
    const { socket, session } = await connectAnonymous(server);
    const sibling = connect(server, { token: session.accessToken });
    await sibling.nextOfType('ready');
    const { socket: stranger } = await connectAnonymous(server);

    socket.send({ type: 'logout' });
    expect(await socket.closed).toEqual({ code: 1000, reason: 'LOGGED_OUT' });
    expect(await sibling.closed).toEqual({ code: 1000, reason: 'LOGGED_OUT' });

    const refresh = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error.code).toBe('SESSION_REVOKED');
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(me.body.error.code).toBe('SESSION_REVOKED');
    await stranger.roundTrip();
    stranger.close();
  });
});

describe('heartbeat', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { heartbeatIntervalMs: 50 } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('drops a peer that stops answering pings, and keeps one that answers', async () => {
    const { socket: dead } = await connectAnonymous(server, { autoPong: false });
    const { socket: alive } = await connectAnonymous(server);
    expect((await dead.closed).code).toBe(1006);
    await sleep(200);
    expect(alive.closeCode).toBeNull();
    await alive.roundTrip();
    alive.close();
  });
});
