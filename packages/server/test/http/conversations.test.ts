import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, chat, connectAnonymous, setCookie, startTestServer, type TestServer } from '../support/test-server.js';

describe('GET /v1/conversations and /v1/conversations/:id/messages', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  const get = (path: string, accessToken: string) => api(server, 'GET', path, { headers: { authorization: `Bearer ${accessToken}` } });

  it('lists only the caller’s own conversations, and refuses anyone else’s with 404 NOT_FOUND', async () => {
    const alice = await connectAnonymous(server);
    const bob = await connectAnonymous(server);
    const aliceChat = await chat(alice.socket, 'a1', 'alice secret plans');
    const bobChat = await chat(bob.socket, 'b1', 'bob secret plans');

    const aliceList = await get('/v1/conversations', alice.session.accessToken);
    expect(aliceList.body.conversations.map((c: any) => c.id)).toEqual([aliceChat.ack.conversationId]);

    const own = await get(`/v1/conversations/${aliceChat.ack.conversationId}/messages`, alice.session.accessToken);
    expect(own.status).toBe(200);
    expect(own.body.messages[0]).toMatchObject({ content: 'alice secret plans', role: 'user', clientId: 'a1' });

    const stolen = await get(`/v1/conversations/${bobChat.ack.conversationId}/messages`, alice.session.accessToken);
    expect(stolen.status).toBe(404);
    expect(stolen.body.error.code).toBe('NOT_FOUND');
    expect(JSON.stringify(stolen.body)).not.toContain('bob');

    // the same answer as for a conversation that does not exist: no existence oracle
    const missing = await get('/v1/conversations/conv_doesnotexist00000000/messages', alice.session.accessToken);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(stolen.body);

    // paging, and a bad limit
    const page = await get(`/v1/conversations/${aliceChat.ack.conversationId}/messages?limit=1`, alice.session.accessToken);
    expect(page.body.messages).toHaveLength(1);
    expect(page.body.messages[0].role).toBe('assistant');
    const bad = await get(`/v1/conversations/${aliceChat.ack.conversationId}/messages?limit=0`, alice.session.accessToken);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');

    alice.socket.close();
    bob.socket.close();
  });

  it('a new session of the same browser (same anonymous id) does not see the old session’s conversation', async () => {
    const first = await connectAnonymous(server);
    const said = await chat(first.socket, 'x', 'from the first session');
    first.socket.close();
    const cookie = setCookie(first.socket.upgradeHeaders['set-cookie'] as string[], 'tessera_anon')!.value;
    const second = await connectAnonymous(server, { headers: { cookie: `tessera_anon=${cookie}` } });
    expect(second.session.session.anonymousId).toBe(first.session.session.anonymousId);
    const list = await get('/v1/conversations', second.session.accessToken);
    expect(list.body.conversations).toEqual([]);
    const read = await get(`/v1/conversations/${said.ack.conversationId}/messages`, second.session.accessToken);
    expect(read.status).toBe(404);
    second.socket.send({ type: 'resume', conversationId: said.ack.conversationId });
    expect((await second.socket.nextOfType('error')).code).toBe('NOT_FOUND');
    second.socket.close();
  });

  it('requires a valid access token', async () => {
    const none = await api(server, 'GET', '/v1/conversations');
    expect(none.status).toBe(401);
    const garbage = await get('/v1/conversations', 'garbage');
    expect(garbage.status).toBe(401);
    expect(garbage.body.error.code).toBe('INVALID_TOKEN');
  });

  it('the socket’s resume and history frames are bound by the same ownership rule', async () => {
    const alice = await connectAnonymous(server);
    const bob = await connectAnonymous(server);
    const bobChat = await chat(bob.socket, 'b', 'bob only');
    alice.socket.send({ type: 'resume', conversationId: bobChat.ack.conversationId });
    expect((await alice.socket.nextOfType('error')).code).toBe('NOT_FOUND');
    // the failed resume did not switch alice's socket to bob's conversation
    const mine = await chat(alice.socket, 'a', 'alice only');
    expect(mine.ack.conversationId).not.toBe(bobChat.ack.conversationId);
    alice.socket.send({ type: 'history' });
    const history = await alice.socket.nextOfType('history');
    expect(history.messages.map((m: any) => m.content)).not.toContain('bob only');
    alice.socket.close();
    bob.socket.close();
  });
});
