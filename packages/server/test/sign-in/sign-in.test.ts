import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, startAnonymousSession, startTestServer, type TestServer, type TestSocket } from '../support/test-server.js';

const IDENTITY_SECRET = 'customer-app-identity-secret-0123456789abcdef';
const secretKey = new TextEncoder().encode(IDENTITY_SECRET);

function identityToken(
  claims: Record<string, unknown>,
  options: { expiresIn?: string; header?: Record<string, unknown>; issuer?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', ...options.header })
    .setIssuedAt()
    .setIssuer(options.issuer ?? 'https://shop.example')
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(secretKey);
}

async function chat(socket: TestSocket, content: string): Promise<string> {
  return (await chatTurn(socket, content)).reply;
}

async function chatTurn(socket: TestSocket, content: string): Promise<{ reply: string; messageId: string }> {
  const id = `c-${Math.random().toString(36).slice(2)}`;
  socket.send({ type: 'message', id, content });
  const ack = await socket.next((f) => f.type === 'ack' && f.id === id);
  const reply = await socket.next((f) => f.type === 'message' && f.replyTo === ack.messageId);
  return { reply: reply.content as string, messageId: ack.messageId };
}

async function openAnonymousSocket(server: TestServer) {
  const socket = connect(server, { key: server.publishableKey });
  const session = await socket.nextOfType('session');
  return { socket, session };
}

describe('sign-in mid-conversation with an identity token from the customer app', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      settings: {
        identity: {
          verification: { secret: IDENTITY_SECRET },
          issuer: 'https://shop.example',
          userIdClaim: 'user_payload.custom_user_id',
          nameClaim: 'user_payload.name',
        } as never,
      },
    });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('keeps the socket and the history, makes the agent see the user, and kills the anonymous credentials', async () => {
    const { socket, session } = await openAnonymousSocket(server);
    const sibling = connect(server, { token: session.accessToken });
    await sibling.nextOfType('ready');
    expect(await chat(socket, 'hello, I have a question')).toMatch(/Got it/);
    const asked = await chatTurn(socket, 'show my orders');
    expect(asked.reply).toMatch(/log in/i);
    expect(await socket.nextOfType('auth_required')).toMatchObject({ replyTo: asked.messageId, reason: expect.any(String) });
    socket.send({ type: 'history' });
    const before = (await socket.nextOfType('history')).messages;

    // Watson style: `sub` is the anonymous id, the user is in a private claim.
    const token = await identityToken({ sub: session.session.anonymousId, user_payload: { custom_user_id: 'cade-id', name: 'Cade' } });
    socket.send({ type: 'authenticate', method: 'jwt', token });
    const authenticated = await socket.nextOfType('authenticated');
    expect(authenticated.user).toMatchObject({ id: 'cade-id', name: 'Cade' });
    expect(authenticated.session.auth).toBe('user');
    expect(authenticated.previousConversations).toEqual([]);

    // The other socket of the session is told to reconnect; this one stays and is the user's.
    expect((await sibling.closed).code).toBe(4002);
    expect(sibling.closeReason).toBe('AUTH_CHANGED');
    // The turn that asked for sign-in runs again, once, for the signed-in person: no retyping.
    const rerun = await socket.next((f) => f.type === 'message' && f.replyTo === asked.messageId && f.content !== asked.reply);
    expect(rerun.content).toMatch(/Your orders, Cade/);
    expect(await chat(socket, 'who am i')).toMatch(/Cade.*cade-id/);
    expect(await chat(socket, 'show my orders')).toMatch(/Your orders, Cade/);

    socket.send({ type: 'history' });
    const after = (await socket.nextOfType('history')).messages;
    expect(after.slice(0, before.length)).toEqual(before);

    // The anonymous access token, refresh token and sockets are dead.
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('INVALID_TOKEN');
    const refresh = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refresh.status).toBe(401);
    const stale = connect(server, { token: session.accessToken });
    expect((await stale.closed).code).toBe(1008);

    // The new tokens work.
    const meNow = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${authenticated.accessToken}` } });
    expect(meNow.body.user).toMatchObject({ id: 'cade-id' });
    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: authenticated.refreshToken } });
    expect(refreshed.status).toBe(200);
    socket.close();
  });

  const { publicKey: attackerRsaPublic, privateKey: attackerRsaPrivate } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attacks: Array<[string, () => Promise<string>]> = [
    [
      'forged (signed with another secret)',
      () =>
        new SignJWT({ user_payload: { custom_user_id: 'victim' } })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('https://shop.example')
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('attacker-secret-attacker-secret-attacker!!')),
    ],
    ['expired', () => identityToken({ user_payload: { custom_user_id: 'victim' } }, { expiresIn: '-1m' })],
    ['wrong issuer', () => identityToken({ user_payload: { custom_user_id: 'victim' } }, { issuer: 'https://evil.example' })],
    [
      'jku-bearing',
      () => identityToken({ user_payload: { custom_user_id: 'victim' } }, { header: { jku: 'http://127.0.0.1:1/jwks.json' } }),
    ],
    [
      'RS256 from an unknown key',
      () =>
        new SignJWT({ user_payload: { custom_user_id: 'victim' } })
          .setProtectedHeader({ alg: 'RS256' })
          .setIssuer('https://shop.example')
          .setExpirationTime('5m')
          .sign(attackerRsaPrivate),
    ],
    [
      'alg none',
      async () =>
        `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'https://shop.example', exp: Math.floor(Date.now() / 1000) + 60, user_payload: { custom_user_id: 'victim' } })).toString('base64url')}.`,
    ],
  ];
  void attackerRsaPublic;

  it.each(attacks)('rejects a %s identity token and leaves the session exactly as it was', async (_name, makeToken) => {
    const { socket, session } = await openAnonymousSocket(server);
    await chat(socket, 'hi');
    socket.send({ type: 'authenticate', method: 'jwt', token: await makeToken() });
    const error = await socket.nextOfType('error');
    expect(error.code).toBe('INVALID_TOKEN');
    expect(await chat(socket, 'who am i')).toMatch(/anonymous/);
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(me.status).toBe(200);
    expect(me.body.user).toBeNull();
    socket.close();
  });

  it('links over HTTP with POST /v1/auth/link and the previous conversations are listed, never merged', async () => {
    // Browser one: signs in, chats.
    const first = await startAnonymousSession(server);
    const token = await identityToken({ user_payload: { custom_user_id: 'dana', name: 'Dana' } });
    const linkedFirst = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${first.accessToken}` },
      body: { method: 'jwt', token },
    });
    expect(linkedFirst.status).toBe(200);
    const s1 = connect(server, { token: linkedFirst.body.accessToken });
    await s1.nextOfType('ready');
    await chat(s1, 'first browser question');
    s1.close();

    // Browser two: anonymous chat, then signs in as the same user.
    const { socket: s2, session: second } = await openAnonymousSocket(server);
    await chat(s2, 'second browser question');
    const linkedSecond = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${second.accessToken}` },
      body: { method: 'jwt', token: await identityToken({ user_payload: { custom_user_id: 'dana' } }) },
    });
    expect(linkedSecond.status).toBe(200);
    expect((await s2.closed).code).toBe(4002);
    expect(linkedSecond.body.previousConversations).toHaveLength(1);
    expect(linkedSecond.body.previousConversations[0].preview).toBe('first browser question');

    // Nothing merged: the new socket continues the second browser's conversation...
    const s3 = connect(server, { token: linkedSecond.body.accessToken });
    await s3.nextOfType('ready');
    s3.send({ type: 'history' });
    const current = (await s3.nextOfType('history')).messages.map((m: any) => m.content);
    expect(current).toContain('second browser question');
    expect(current).not.toContain('first browser question');

    // ...and both conversations are the user's, resumable on request.
    const list = await api(server, 'GET', '/v1/conversations', { headers: { authorization: `Bearer ${linkedSecond.body.accessToken}` } });
    expect(list.body.conversations).toHaveLength(2);
    s3.send({ type: 'resume', conversationId: linkedSecond.body.previousConversations[0].id, id: 'resume-1' });
    const resumed = await s3.nextOfType('resumed');
    expect(resumed.id).toBe('resume-1');
    expect(resumed.messages.map((m: any) => m.content)).toContain('first browser question');
    await chat(s3, 'continuing the first one');
    s3.close();

    // After a reconnect, a message that names the resumed conversation still goes there.
    const s4 = connect(server, { token: linkedSecond.body.accessToken });
    await s4.nextOfType('ready');
    s4.send({ type: 'message', id: 'named', content: 'still the first one', conversationId: resumed.conversation.id });
    expect((await s4.next((f) => f.type === 'ack' && f.id === 'named')).conversationId).toBe(resumed.conversation.id);
    s4.close();
    const messages = await api(server, 'GET', `/v1/conversations/${resumed.conversation.id}/messages`, {
      headers: { authorization: `Bearer ${linkedSecond.body.accessToken}` },
    });
    expect(messages.body.messages.map((m: any) => m.content)).toContain('continuing the first one');
  });

  it("never lets a user read or resume another user's conversation", async () => {
    const alice = await startAnonymousSession(server);
    const aliceLinked = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${alice.accessToken}` },
      body: { method: 'jwt', token: await identityToken({ user_payload: { custom_user_id: 'alice' } }) },
    });
    const aliceSocket = connect(server, { token: aliceLinked.body.accessToken });
    await aliceSocket.nextOfType('ready');
    await chat(aliceSocket, 'alice secret');
    const aliceConversation = (
      await api(server, 'GET', '/v1/conversations', { headers: { authorization: `Bearer ${aliceLinked.body.accessToken}` } })
    ).body.conversations[0].id;
    aliceSocket.close();

    const mallory = await startAnonymousSession(server);
    const malloryLinked = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${mallory.accessToken}` },
      body: { method: 'jwt', token: await identityToken({ user_payload: { custom_user_id: 'mallory' } }) },
    });
    const read = await api(server, 'GET', `/v1/conversations/${aliceConversation}/messages`, {
      headers: { authorization: `Bearer ${malloryLinked.body.accessToken}` },
    });
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('NOT_FOUND');
    const socket = connect(server, { token: malloryLinked.body.accessToken });
    await socket.nextOfType('ready');
    socket.send({ type: 'resume', conversationId: aliceConversation, id: 'r1' });
    expect(await socket.nextOfType('error')).toMatchObject({ code: 'NOT_FOUND', id: 'r1' });
    // Naming her conversation in a message frame is refused the same way, and nothing is stored there.
    socket.send({ type: 'message', id: 'sneak', content: "put this in alice's chat", conversationId: aliceConversation });
    expect(await socket.next((f) => f.type === 'error' && f.id === 'sneak')).toMatchObject({ code: 'NOT_FOUND' });
    // And "orders for alice" in the text changes nothing: tools read the session's user only.
    expect(await chat(socket, 'show orders for user alice')).toMatch(/Your orders, mallory/);
    socket.close();
  });
});
